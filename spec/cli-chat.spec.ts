/**
 * `llm-gateway-rx chat` as a child process against a loopback gateway: what reaches stdout and stderr, the exit
 * code of each error class, tokens, and Ctrl-C (SIGINT) closing the request on the gateway's side.
 */
import { existsSync } from 'node:fs';
import { startTestGateway, type GatewayHandler, type RecordedRequest, type TestGateway } from '../lib/testing';
import { runCli, runProgram, spawnCli, stopCli, type CliProcess, type CliResult } from './support/cli-process';

jest.setTimeout(60_000); // child processes: each start costs a second or more on a busy machine

let gateway: TestGateway;
let cli: CliProcess | undefined;

afterEach(async () => {
  await stopCli(cli);
  cli = undefined;
  await gateway?.close();
});

const chunk = (content: string, extra: object = {}) => ({ content, model: 'm1', tool_calls: [], usage: null, is_final: false, ...extra });
const finalChunk = chunk('', { usage: { prompt_tokens: 4, completion_tokens: 3 }, is_final: true });

/** The LLM requests the gateway got (the CLI's dev login at /api/v1/auth/refresh left out). */
function llmRequests(): RecordedRequest[] {
  return gateway.requests.filter((request) => request.path.startsWith('/api/v1/llm/'));
}

function chat(...args: string[]): Promise<CliResult> {
  return runCli(['chat', ...args, '--server', gateway.url]);
}

/** Exactly one line, no stack frame. */
function expectOneLine(stderr: string): void {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('chat: output', () => {
  beforeEach(async () => {
    gateway = await startTestGateway();
  });

  it('prints each chunk as it arrives, then a newline; usage and timing on stderr, no escape codes when piped', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    gateway.route(async (_, reply) => {
      await reply.sse([chunk('Hel')], { done: false, end: false });
      await released; // the rest only once the CLI has shown the first chunk: a buffering CLI never gets it
      await reply.sse([chunk('lo!'), finalChunk]);
    });
    cli = spawnCli(['chat', 'say hi', '--server', gateway.url, '--model', 'm1']);
    await cli.waitForStdout('Hel');
    expect(cli.stdout).toBe('Hel');
    release();
    const result = await cli.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Hello!\n');
    expect(result.stderr).toMatch(/^m1 \| 4 prompt \+ 3 completion tokens \| first token \d+ ms \| total \d+ ms\n$/);
    expect(result.stderr).not.toContain('\x1b');
    expect(llmRequests()[0].body).toMatchObject({ model: 'm1', messages: [{ role: 'user', content: 'say hi' }] });
  });

  // util-linux `script` gives the CLI a real terminal; where it is missing the test is skipped, not faked.
  (existsSync('/usr/bin/script') ? it : it.skip)('draws the spinner on stderr when it is a terminal, and wipes it at the first token', async () => {
    gateway.route(async (_, reply) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await reply.sse([chunk('Hi.'), finalChunk]);
    });
    const command = `${process.execPath} --import tsx lib/cli/main.ts chat hi --server ${gateway.url}`;
    const result = await runProgram('/usr/bin/script', ['-qec', command, '/dev/null']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\r\x1b\[2K⠋ waiting for the first token…(\r\x1b\[2K[⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for the first token…)*\r\x1b\[2KHi\.\r\n/);
  });

  it('--json prints only the final LLMResponse on stdout, tool calls included', async () => {
    const call = { id: 'c1', name: 'get_weather', arguments: { city: 'Oslo' } };
    gateway.route((_, reply) => reply.sse([chunk('Let me check.'), { ...finalChunk, tool_calls: [call] }]));
    const result = await chat('weather?', '--json');
    expect(result.code).toBe(0);
    const response = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(response).toEqual({
      content: 'Let me check.',
      model: 'm1',
      usage: { promptTokens: 4, completionTokens: 3 },
      toolCalls: [call],
      latencyMs: expect.any(Number),
    });
  });

  it('prints tool calls after the text without --json', async () => {
    gateway.route((_, reply) => reply.sse([{ ...finalChunk, tool_calls: [{ id: 'c1', name: 'f', arguments: { x: 1 } }] }]));
    const result = await chat('call f');
    expect(result.stdout).toBe('tool call f {"x":1} (id c1)\n');
  });

  it('--no-stream asks /chat once and prints the answer', async () => {
    const result = await chat('hello there', '--no-stream');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Hello from the test gateway! You said: hello there\n');
    expect(llmRequests().map((r) => r.path)).toEqual(['/api/v1/llm/chat']);
  });

  it('reads the prompt from stdin when it is "-"', async () => {
    const result = await runCli(['chat', '-', '--server', gateway.url, '--no-stream'], {}, 'from a pipe\n');
    expect(result.stdout).toBe('Hello from the test gateway! You said: from a pipe\n');
  });

  it('--help prints the usage and exits 0', async () => {
    const result = await runCli(['chat', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: llm-gateway-rx chat/);
  });
});

describe('chat: exit codes, one line on stderr each', () => {
  const handlers: Record<string, GatewayHandler> = {
    'model-404': (_, reply) => reply.json(404, { detail: 'no such model' }),
    'gateway-502': (_, reply) => reply.json(502, { detail: 'upstream is down' }),
    'stalls': () => undefined,
    'error-payload': (_, reply) => reply.sse([chunk('a'), { error: 'upstream_failed', detail: 'model crashed' }], { done: false }),
    'bad-shape': (_, reply) => reply.sse([{ content: 5 }]),
    'status-500': (_, reply) => reply.json(500, { detail: 'oops' }),
  };

  beforeEach(async () => {
    gateway = await startTestGateway();
    gateway.route((req, reply) => handlers[(req.body as { model: string }).model](req, reply));
  });

  it.each([
    ['model-404', [], 4, 'ModelNotFoundError: Model not found: model-404'],
    ['gateway-502', [], 5, 'GatewayError: Server LLM gateway error: upstream is down'],
    ['stalls', ['--timeout', '0.3'], 6, 'RequestTimeoutError: Request timeout after 300 ms (first-byte)'],
    ['error-payload', [], 7, 'StreamError: Stream error: model crashed'],
    ['bad-shape', [], 8, 'ResponseValidationError: Invalid response from gateway at "content"'],
    ['status-500', [], 10, 'LLMProviderError: Unexpected status 500'],
  ])('%s exits %#', async (model, extra, code, message) => {
    const result = await chat('hi', '--model', model, ...(extra as string[]));
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(`llm-gateway-rx: ${message}`);
    expectOneLine(result.stderr);
  });

  it('a refused connection exits 9', async () => {
    const url = gateway.url;
    await gateway.close();
    const result = await runCli(['chat', 'hi', '--server', url, '--token-env', 'T'], { T: 'some-token' });
    expect(result.code).toBe(9);
    expect(result.stderr).toMatch(/^llm-gateway-rx: ConnectionError: Network error \(ECONNREFUSED\)/);
    expectOneLine(result.stderr);
  });

  it('a usage error exits 2 with one line (the other usage errors: cli-usage.spec)', async () => {
    const result = await runCli(['chat', 'hi', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^llm-gateway-rx: Unknown option '--bogus'.* \(see --help\)\n$/);
  });
});

describe('chat: tokens', () => {
  it('sends the JWT of --token-env, and never prints it when it is refused', async () => {
    gateway = await startTestGateway({ auth: {} });
    const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZSJ9.c2VjcmV0LXNpZ25hdHVyZQ';
    const result = await runCli(['chat', 'hi', '--server', gateway.url, '--token-env', 'MY_JWT'], { MY_JWT: forged });
    expect(result.code).toBe(3);
    expect(gateway.requests[0].token).toBe(forged);
    expect(result.stderr).toMatch(/AuthenticationError: Token refresh failed/);
    expect(result.stderr).not.toContain(forged);
    expect(result.stderr).not.toContain(forged.split('.')[2]);
  });

  it('an unset --token-env variable exits 3 without sending anything', async () => {
    gateway = await startTestGateway();
    const result = await chat('hi', '--token-env', 'NOT_SET_ANYWHERE');
    expect(result.code).toBe(3);
    expect(result.stderr).toBe('llm-gateway-rx: AuthenticationError: --token-env NOT_SET_ANYWHERE: that environment variable is empty or not set\n');
    expect(gateway.requests).toHaveLength(0);
  });

  it('without --token-env, first gets a token from the dev gateway\'s refresh endpoint (a dev login)', async () => {
    gateway = await startTestGateway({ auth: { loginWithoutToken: true } });
    const result = await chat('hi', '--no-stream');
    expect(result.code).toBe(0);
    // The refresh of an expired token is tested end to end with `gateway --token-ttl` in cli-gateway.spec.
    expect(gateway.requests.map((r) => r.path)).toEqual(['/api/v1/auth/refresh', '/api/v1/llm/chat']);
    expect(gateway.requests[0].token).toBeUndefined();
    expect(gateway.requests[1].token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('without --token-env, a server that refuses the dev login exits 3 saying how to pass a token', async () => {
    gateway = await startTestGateway({ auth: {} });
    const result = await chat('hi');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Token request at .*\/api\/v1\/auth\/refresh failed \(status 401: invalid token\); pass a JWT with --token-env VAR/);
  });
});

describe('chat: Ctrl-C', () => {
  it('SIGINT aborts the request (the gateway sees the close) and exits 130', async () => {
    gateway = await startTestGateway();
    gateway.route(async (_, reply) => {
      await reply.sse([chunk('never ')], { done: false, end: false });
    });
    cli = spawnCli(['chat', 'hi', '--server', gateway.url]);
    await cli.waitForStdout('never');
    const [request] = llmRequests();
    cli.child.kill('SIGINT');
    const closedAt = await within(request, 1000);
    expect(closedAt).toBeGreaterThan(0);
    expect(request.abortedByClient).toBe(true);
    const result = await cli.exited;
    expect(result.code).toBe(130);
    expect(result.stderr).toBe('llm-gateway-rx: interrupted, request cancelled\n');
  });
});

describe('chat: Ctrl-C before the request', () => {
  it('while "chat -" waits for the prompt on stdin: exits 130 at once, nothing sent', async () => {
    gateway = await startTestGateway();
    cli = spawnCli(['chat', '-', '--server', gateway.url, '--token-env', 'JWT'], { JWT: 't' }, null);
    // The CLI is reading the prompt once a megabyte of it has gone through a 64 KiB pipe. (A fixed wait failed
    // under load: a SIGINT before the CLI's handler is installed kills node itself.)
    await new Promise((resolve) => cli!.child.stdin!.write('a long question '.repeat(65_536), resolve));
    cli.child.kill('SIGINT');
    const result = await cli.exited;
    expect(result.code).toBe(130);
    expect(result.stderr).toBe('llm-gateway-rx: interrupted\n');
    expect(gateway.requests).toHaveLength(0);
  });
});

function within(request: RecordedRequest, ms: number): Promise<number> {
  return Promise.race([
    request.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the gateway did not see the close within ${ms} ms`)), ms).unref()),
  ]);
}
