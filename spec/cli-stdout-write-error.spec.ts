/**
 * stdout that refuses the writes for another reason than a reader gone away (a full disk: `> /dev/full`): the
 * answer was lost, so the command fails as `cat` does, with exit 1 and one line, instead of exit 0 and a
 * summary line claiming success. (EPIPE, `| head -1`, stays a quiet exit 0: cli-closed-pipes.spec.)
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { startTestGateway, type TestGateway } from '../lib/testing';

jest.setTimeout(60_000); // child processes: each start costs a second or more on a busy machine

const ROOT = join(__dirname, '..');
let gateway: TestGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

/** Runs the CLI with its stdout on /dev/full (every write fails with ENOSPC); resolves with its code and stderr. */
function runIntoFullDisk(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const full = openSync('/dev/full', 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', join('lib', 'cli', 'main.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', full, 'pipe'],
  });
  closeSync(full); // the child holds its own copy
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

(existsSync('/dev/full') ? describe : describe.skip)('stdout on a full disk', () => {
  it('chat: exit 1 with one line naming ENOSPC, not exit 0', async () => {
    gateway = await startTestGateway();
    const result = await runIntoFullDisk(['chat', 'hi', '--server', gateway.url]);
    expect(result.stderr).toMatch(/^llm-gateway-rx: .*ENOSPC.*\n/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(1);
  });

  it('--help: exit 1, not 0', async () => {
    const result = await runIntoFullDisk(['--help']);
    expect(result.stderr).toMatch(/^llm-gateway-rx: .*ENOSPC[^\n]*\n$/);
    expect(result.code).toBe(1);
  });
});
