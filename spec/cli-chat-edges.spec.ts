/**
 * The chat and gateway commands at their edges, in process: `main()` with captured streams against small node:http
 * servers that misbehave in one way each.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { main } from '../lib/cli/main';
import { memoryIo } from './support/memory-io';
import type { CliIo } from '../lib/cli/cli-io';

const servers: Server[] = [];
const interrupts: AbortController[] = [];
const running: Promise<number>[] = [];

afterEach(async () => {
  // Stop whatever a failing test left running: the CLI (Ctrl-C) and every server (cutting open requests).
  for (const interrupt of interrupts.splice(0)) interrupt.abort();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await Promise.all(running.splice(0));
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (text: string) => (body += text));
    req.on('end', () => handler(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function io(env: Record<string, string> = {}) {
  const made = memoryIo(env);
  interrupts.push(made.interrupt);
  return made;
}

function run(argv: string[], cliIo: CliIo): Promise<number> {
  const result = main(argv, cliIo);
  running.push(result);
  return result;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('chat: the dev login obeys --timeout', () => {
  it('a server that takes the login and never answers: RequestTimeoutError, exit 6, after --timeout (not exit 9 after 30 s)', async () => {
    const url = await listen(() => undefined);
    const { out, cliIo } = io();
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      run(['chat', 'hi', '--server', url, '--timeout', '0.5'], cliIo),
      new Promise((resolve) => (timer = setTimeout(() => resolve('still waiting after 5 s'), 5000))),
    ]).finally(() => clearTimeout(timer));
    expect(code).toBe(6);
    expect(out.stderr).toBe('llm-gateway-rx: RequestTimeoutError: Request timeout after 500 ms (refresh)\n');
  });
});

describe('chat: no secret on stderr when the refresh endpoint echoes what it was sent', () => {
  // A gateway whose 401 answers quote the Authorization header back, as debug error pages do.
  const echoingGateway = () =>
    listen((req, res) => {
      const authorization = req.headers.authorization;
      if (req.url === '/api/v1/auth/refresh' && !authorization) return json(res, 200, { access_token: 'dev-login-token-SECRET-1' });
      json(res, 401, { detail: `invalid token: ${authorization ?? '(none)'}` });
    });

  it('the token of the dev login', async () => {
    const url = await echoingGateway();
    const { out, cliIo } = io();
    expect(await run(['chat', 'hi', '--server', url], cliIo)).toBe(3);
    expect(out.stderr).toContain('AuthenticationError: Token refresh failed');
    expect(out.stderr).not.toContain('dev-login-token-SECRET-1');
  });

  it('the token of --token-env (the warning before the error line too)', async () => {
    const url = await echoingGateway();
    const { out, cliIo } = io({ JWT: 'env-token-SECRET-2' });
    expect(await run(['chat', 'hi', '--server', url, '--token-env', 'JWT'], cliIo)).toBe(3);
    expect(out.stderr).toContain('AuthenticationError: Token refresh failed');
    expect(out.stderr).not.toContain('env-token-SECRET-2');
  });
});

describe('chat: no password of --server on stderr', () => {
  it('a server that is not there', async () => {
    const url = await listen(() => undefined);
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    const { out, cliIo } = io();
    const withPassword = url.replace('http://', 'http://me:hunter2-pw@');
    // Refused before anything is sent (cli-server-credentials.spec), and not named in the refusal either.
    expect(await run(['chat', 'hi', '--server', withPassword], cliIo)).toBe(2);
    expect(out.stderr).toMatch(/^llm-gateway-rx: --server must not carry a user name or password/);
    expect(out.stderr).not.toContain('hunter2-pw');
  });
});

describe('chat: Ctrl-C while the token is being refreshed', () => {
  it('says "interrupted" and nothing else: no "Token refresh failed: Cannot reach" after it', async () => {
    let refreshArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (refreshArrived = resolve));
    let refreshClosed!: Promise<void>;
    const url = await listen((req, res) => {
      if (req.url !== '/api/v1/auth/refresh') return json(res, 401, { detail: 'token expired' });
      if (!req.headers.authorization) return json(res, 200, { access_token: 'first-token' });
      // The refresh of the expired token: taken, never answered.
      refreshClosed = new Promise((closed) => req.socket.once('close', () => closed()));
      refreshArrived();
    });
    const { out, cliIo, interrupt } = io();
    const code = run(['chat', 'hi', '--server', url], cliIo);
    await arrived;
    interrupt.abort();
    expect(await code).toBe(130);
    await refreshClosed;
    await sleep(100); // anything the aborted refresh still has to say
    expect(out.stderr).toBe('llm-gateway-rx: LLM gateway returned 401; refreshing the token\nllm-gateway-rx: interrupted, request cancelled\n');
  });
});

describe('values that do not parse exit 2', () => {
  it.each([[''], [' ']])('gateway --port %j (an unset $PORT) is a usage error, not a random port', async (port) => {
    const { out, cliIo, interrupt } = io();
    interrupt.abort(); // were it to start, the gateway stops again at once
    const code = await run(['gateway', `--port=${port}`], cliIo);
    expect({ code, stdout: out.stdout }).toEqual({ code: 2, stdout: '' });
    expect(out.stderr).toBe(`llm-gateway-rx: --port takes a port number (0-65535), got "${port}" (see --help)\n`);
  });

  it.each([[''], ['  ']])('chat --model %j (an unset $MODEL) is a usage error, exit 2, nothing sent', async (model) => {
    let requests = 0;
    const url = await listen((_req, res) => {
      requests++;
      json(res, 500, {});
    });
    const { out, cliIo } = io({ JWT: 'some-jwt-value' });
    const code = await run(['chat', 'hi', '--server', url, '--token-env', 'JWT', `--model=${model}`], cliIo);
    expect(code).toBe(2);
    expect(out.stderr).toBe(`llm-gateway-rx: --model needs a model name, got "${model}" (see --help)\n`);
    expect(requests).toBe(0);
  });
});
