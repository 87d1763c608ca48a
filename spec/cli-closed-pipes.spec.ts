/**
 * What needs a real process: a reader that goes away (`| head -1`) on stderr for `chat`, and on
 * stdout for `npm run demo`.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startTestGateway, type TestGateway } from '../lib/testing';
import { spawnCli, stopCli, type CliProcess } from './support/cli-process';

jest.setTimeout(60_000); // child processes: each start costs a second or more on a busy machine

let gateway: TestGateway | undefined;
let cli: CliProcess | undefined;

afterEach(async () => {
  await stopCli(cli);
  cli = undefined;
  await gateway?.close();
  gateway = undefined;
});

/**
 * Starts the gateway answering a stream with "Hello", then holding the rest (`rest`, then [DONE]) until the
 * returned `release` is called: the test closes a pipe between the two.
 */
async function helloThenHeld(rest: object[]): Promise<() => void> {
  gateway = await startTestGateway();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  gateway.route(async (_, reply) => {
    await reply.sse([{ content: 'Hello', model: 'm' }], { done: false, end: false });
    await released;
    await reply.sse(rest);
  });
  return release;
}

const FINAL = { content: '', model: 'm', is_final: true, usage: { prompt_tokens: 1, completion_tokens: 1 } };

describe('chat: stderr closed by its reader (`chat ... 2>&1 | head -1`)', () => {
  it('the answer was delivered: exit 0, not 1 (an uncaught EPIPE)', async () => {
    const release = await helloThenHeld([FINAL]);
    cli = spawnCli(['chat', 'hi', '--server', gateway!.url]);
    await cli.waitForStdout('Hello');
    cli.child.stderr!.destroy(); // the reader is gone: the summary line at the end meets EPIPE
    release();
    const result = await cli.exited;
    expect(result.stdout).toBe('Hello\n');
    expect(result.code).toBe(0);
  });
});

describe('chat: stdout closed by its reader (`chat ... | head -1`)', () => {
  it('stops quietly: exit 0, no error line', async () => {
    const release = await helloThenHeld([{ content: ' world', model: 'm' }, FINAL]);
    cli = spawnCli(['chat', 'hi', '--server', gateway!.url]);
    await cli.waitForStdout('Hello');
    cli.child.stdout!.destroy(); // the reader is gone: the rest of the answer meets EPIPE
    release();
    const result = await cli.exited;
    expect(result.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(result.code).toBe(0);
  });
});

describe('npm run demo: stdout closed by its reader (`npm run demo | head -3`)', () => {
  it('stops quietly: no "Unhandled \'error\' event" stack trace, exit 0', async () => {
    const root = join(__dirname, '..');
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.stdout.once('data', () => child.stdout.destroy());
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
    clearTimeout(timer);
    expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event|\n\s+at /);
    expect(code).toBe(0);
  });
});
