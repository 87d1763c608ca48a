/**
 * `chat -` with more on stdin than any prompt could be (`cat dump.log | llm-gateway-rx chat -`): one usage line
 * and exit 2, reading stopped at the bound — not the whole input held in memory and then a stack trace
 * ("Cannot create a string longer than 0x1fffffe8 characters") past ~512 MiB.
 */
import { startTestGateway, type TestGateway } from '../lib/testing';
import { spawnCli, stopCli, type CliProcess } from './support/cli-process';

jest.setTimeout(120_000); // a child process, and half a gigabyte through a pipe when the bound is missing

let gateway: TestGateway | undefined;
let cli: CliProcess | undefined;

afterEach(async () => {
  await stopCli(cli);
  cli = undefined;
  await gateway?.close();
  gateway = undefined;
});

/** Writes `total` bytes of one reused 1 MiB block to `cli`'s stdin (waiting on back-pressure), until it exits. */
async function feed(target: CliProcess, total: number): Promise<void> {
  const block = Buffer.alloc(1024 * 1024, 'a');
  const stdin = target.child.stdin!;
  stdin.on('error', () => undefined); // EPIPE once the CLI stopped reading and exited: expected
  let gone = false;
  void target.exited.then(() => (gone = true));
  for (let sent = 0; sent < total && !gone && stdin.writable; sent += block.length) {
    if (!stdin.write(block)) await drainedOrClosed(stdin);
  }
  if (stdin.writable) stdin.end();
}

function drainedOrClosed(stdin: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stdin.off('drain', done);
      stdin.off('close', done);
      resolve();
    };
    stdin.on('drain', done);
    stdin.on('close', done);
  });
}

describe('chat - with a huge stdin', () => {
  it('520 MiB: exit 2 with one line, nothing sent, no stack trace', async () => {
    gateway = await startTestGateway();
    cli = spawnCli(['chat', '-', '--server', gateway.url, '--token-env', 'JWT'], { JWT: 'some-jwt' }, null);
    await feed(cli, 520 * 1024 * 1024);
    const result = await cli.exited;
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).toBe('llm-gateway-rx: the prompt on stdin is over 32 MiB (see --help)\n');
    expect(result.code).toBe(2);
    expect(gateway.requests).toHaveLength(0);
  });
});
