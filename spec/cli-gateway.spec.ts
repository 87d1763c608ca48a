/**
 * `llm-gateway-rx gateway` as a child process: the scripted model, forwarding to a loopback OpenAI-compatible
 * server with an upstream key, dev JWTs that really expire (`--token-ttl`) and get refreshed by `chat`, and
 * its usage errors. Also the dev login the CLI relies on (`loginWithoutToken`), over plain HTTP.
 */
import { startTestGateway, type TestGateway } from '../lib/testing';
import { contentStream } from './fixtures/openai-streams';
import { runCli, spawnCli, stopCli, type CliProcess } from './support/cli-process';

jest.setTimeout(60_000); // child processes: each start costs a second or more on a busy machine

let upstream: TestGateway | undefined;
let gatewayCli: CliProcess | undefined;

afterEach(async () => {
  await stopCli(gatewayCli);
  gatewayCli = undefined;
  await upstream?.close();
  upstream = undefined;
});

/** Starts `llm-gateway-rx gateway` on a free port and resolves with its URL, read from its stdout. */
async function startGatewayCli(args: string[], env: Record<string, string> = {}): Promise<string> {
  gatewayCli = spawnCli(['gateway', '--port', '0', ...args], env);
  await gatewayCli.waitForStdout('\n', 15_000);
  return gatewayCli.stdout.trim();
}

async function devToken(gatewayUrl: string, token?: string): Promise<Response> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return fetch(`${gatewayUrl}/api/v1/auth/refresh`, { method: 'POST', headers });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('gateway command', () => {
  it('answers from the scripted model; chat logs in by itself; Ctrl-C stops it with 0', async () => {
    const url = await startGatewayCli([]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const result = await runCli(['chat', 'hi', '--server', url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Hello from the test gateway! You said: hi\n');
    gatewayCli!.child.kill('SIGINT');
    const stopped = await gatewayCli!.exited;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/answering from the scripted model; tokens live 900 s\. Ctrl-C stops it\.\n.*stopped\n$/s);
  });

  it('forwards to an OpenAI-compatible upstream with its key, and chat refreshes an expired dev JWT', async () => {
    upstream = await startTestGateway();
    upstream.route((_, reply) => reply.sse([contentStream], { done: false }));
    const url = await startGatewayCli(['--upstream', `${upstream.url}/api/v1/llm`, '--upstream-key-env', 'UP_KEY', '--token-ttl', '2'], {
      UP_KEY: 'sk-upstream-secret',
    });
    const login = await devToken(url);
    const { access_token: expiring } = (await login.json()) as { access_token: string };
    await sleep(2300); // the token is now expired: the first request gets a 401 and the client refreshes

    const result = await runCli(['chat', 'hi', '--server', url, '--token-env', 'JWT', '--model', 'llama3.2'], { JWT: expiring });
    expect(result.stderr).toContain('llm-gateway-rx: LLM gateway returned 401; refreshing the token\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Hello there, wörld!\n');
    expect(result.stderr).toMatch(/gpt-4o-mini-2024-07-18 \| 19 prompt \+ 10 completion tokens/);

    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0].token).toBe('sk-upstream-secret');
    expect(upstream.requests[0].body).toMatchObject({ model: 'llama3.2', stream: true });
    gatewayCli!.child.kill('SIGINT');
    const stopped = await gatewayCli!.exited;
    expect(stopped.stderr).toContain('llm-gateway-rx gateway: stream llama3.2: ok (4 chunks)\n');
    expect(stopped.stderr).not.toContain('sk-upstream-secret');
  });

  it('a port in use exits 1 with one line', async () => {
    upstream = await startTestGateway();
    const result = await runCli(['gateway', '--port', new URL(upstream.url).port]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^llm-gateway-rx: Error: listen EADDRINUSE[^\n]*\n$/);
  });

  it('a usage error exits 2 with one line', async () => {
    const result = await runCli(['gateway', '--upstream', 'ftp://example.com']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('llm-gateway-rx: --upstream must be an http(s) URL, got "ftp://example.com" (see --help)\n');
  });
});

describe('dev login at /api/v1/auth/refresh', () => {
  it('with loginWithoutToken, a caller with no token gets one; a forged one is still refused', async () => {
    upstream = await startTestGateway({ auth: { loginWithoutToken: true } });
    const login = await devToken(upstream.url);
    expect(login.status).toBe(200);
    const { access_token: token } = (await login.json()) as { access_token: string };
    expect((await devToken(upstream.url, token)).status).toBe(200);
    expect((await devToken(upstream.url, `${token.slice(0, -2)}xx`)).status).toBe(401);
  });

  it('without it, a caller with no token is refused', async () => {
    upstream = await startTestGateway({ auth: {} });
    expect((await devToken(upstream.url)).status).toBe(401);
  });
});
