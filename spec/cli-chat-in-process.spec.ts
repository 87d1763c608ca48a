/**
 * `chat` run in process through `main()` against the loopback gateway: the same paths the child-process specs
 * take (cli-chat.spec), here where jest can see them, plus Ctrl-C as an aborted signal.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { main } from '../lib/cli/main';
import { memoryIo } from './support/memory-io';
import { useGateway } from './support/harness';

const ctx = useGateway();
let silent: Server | undefined;
afterEach(async () => {
  silent?.closeAllConnections();
  await new Promise((resolve) => (silent ? silent.close(resolve) : resolve(undefined)));
  silent = undefined;
});

const io = memoryIo;

describe('chat, in process', () => {
  it('streams the answer to stdout and the summary to stderr, with a dev token from the gateway', async () => {
    ctx.gateway.route((req, reply) =>
      req.path === '/api/v1/llm/chat/stream'
        ? reply.sse([{ content: 'Hello ' }, { content: 'there' }, { is_final: true, usage: { prompt_tokens: 2, completion_tokens: 2 } }])
        : reply.json(404, {}),
    );
    const { out, cliIo } = io();
    const code = await main(['chat', 'hi', '--server', ctx.gateway.url, '--model', 'm1'], cliIo);
    expect(code).toBe(0);
    expect(out.stdout).toBe('Hello there\n');
    expect(out.stderr).toMatch(/^m1 \| 2 prompt \+ 2 completion tokens \| first token \d+ ms \| total \d+ ms\n$/);
    expect(ctx.gateway.requests.map((r) => r.path)).toEqual(['/api/v1/auth/refresh', '/api/v1/llm/chat/stream']);
  });

  it('--json prints the final LLMResponse; --no-stream uses /chat; the prompt can come from stdin', async () => {
    ctx.gateway.route((req, reply) => reply.json(200, { content: `answer to ${(req.body as { messages: Array<{ content: string }> }).messages[0].content}`, model: 'm2' }));
    const { out, cliIo } = io({ JWT: 'jwt-from-env' }, ['question from stdin\n']);
    const code = await main(['chat', '-', '--server', ctx.gateway.url, '--no-stream', '--json', '--token-env', 'JWT'], cliIo);
    expect(code).toBe(0);
    const printed = JSON.parse(out.stdout) as { content: string; model: string };
    expect(printed.content).toBe('answer to question from stdin');
    expect(printed.model).toBe('m2');
    expect(ctx.gateway.requests.map((r) => [r.path, r.token])).toEqual([['/api/v1/llm/chat', 'jwt-from-env']]);
  });

  it.each([
    [404, { detail: 'no such model' }, 4],
    [502, { detail: 'upstream down' }, 5],
    [500, { detail: 'boom' }, 10],
  ])('a %i exits with its own code and one line, never the token', async (status, body, exitCode) => {
    ctx.gateway.route((_req, reply) => reply.json(status, body));
    const { out, cliIo } = io({ JWT: 'super-secret-jwt' });
    const code = await main(['chat', 'hi', '--server', ctx.gateway.url, '--token-env', 'JWT'], cliIo);
    expect(code).toBe(exitCode);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).not.toContain('super-secret-jwt');
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('Ctrl-C during the dev login aborts it: exit 130 at once, not after the login times out', async () => {
    // A server that takes the login and never answers it.
    let loginClosed!: Promise<void>;
    const loginArrived = new Promise<void>((arrived) => {
      silent = createServer((req) => {
        loginClosed = new Promise((closed) => req.socket.once('close', () => closed()));
        arrived();
      });
    });
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const { port } = silent!.address() as AddressInfo;
    const { out, cliIo, interrupt } = io();
    const running = main(['chat', 'hi', '--server', `http://127.0.0.1:${port}`], cliIo);
    await loginArrived;
    interrupt.abort();
    expect(await running).toBe(130);
    expect(out.stderr).toBe('llm-gateway-rx: interrupted\n');
    await loginClosed; // the login request itself was aborted (else this waits for jest's timeout)
  });

  it('Ctrl-C while "chat -" reads the prompt: exit 130, nothing sent', async () => {
    const { out, cliIo, interrupt } = io({ JWT: 't' });
    const stdin = new PassThrough(); // never ends: a prompt still being typed
    const running = main(['chat', '-', '--server', ctx.gateway.url, '--token-env', 'JWT'], { ...cliIo, stdin });
    stdin.write('half a quest');
    await new Promise((resolve) => setTimeout(resolve, 20));
    interrupt.abort();
    expect(await running).toBe(130);
    expect(out.stderr).toBe('llm-gateway-rx: interrupted\n');
    expect(stdin.listenerCount('data')).toBe(0);
    expect(ctx.gateway.requests).toHaveLength(0);
  });

  it('Ctrl-C (the interrupted signal) cancels the request: exit 130 and the gateway sees the close', async () => {
    ctx.gateway.route(async (_req, reply) => {
      await reply.sse([{ content: 'partial ' }], { done: false, end: false });
    });
    const { out, cliIo, interrupt } = io({ JWT: 't' });
    const running = main(['chat', 'hi', '--server', ctx.gateway.url, '--token-env', 'JWT'], cliIo);
    const [sent] = await ctx.gateway.waitForRequests(1);
    while (!out.stdout.includes('partial')) await new Promise((resolve) => setTimeout(resolve, 5));
    interrupt.abort();
    expect(await running).toBe(130);
    await sent.closed;
    expect(sent.abortedByClient).toBe(true);
    expect(out.stderr).toContain('interrupted');
  });
});

describe('chat, in process: the prompt, the token and the printed text at their edges', () => {
  const sentPrompt = () => (ctx.gateway.requests[0].body as { messages: Array<{ content: string }> }).messages[0].content;

  it('a prompt on stdin loses the line end a shell or a Windows editor adds (CRLF too), nothing else', async () => {
    ctx.gateway.route((_req, reply) => reply.json(200, { content: 'ok' }));
    const { cliIo } = io({ JWT: 'the-jwt' }, ['  two lines\r\nof question\r\n']);
    expect(await main(['chat', '-', '--server', ctx.gateway.url, '--no-stream', '--token-env', 'JWT'], cliIo)).toBe(0);
    expect(sentPrompt()).toBe('  two lines\r\nof question');
  });

  it('a prompt on stdin of whitespace only is a usage error (exit 2), nothing sent', async () => {
    const { out, cliIo } = io({ JWT: 'the-jwt' }, [' \t\n']);
    expect(await main(['chat', '-', '--server', ctx.gateway.url, '--token-env', 'JWT'], cliIo)).toBe(2);
    expect(out.stderr).toContain('chat needs a prompt');
    expect(ctx.gateway.requests).toHaveLength(0);
  });

  it('--token-env naming an empty variable is an AuthenticationError (exit 3), nothing sent', async () => {
    const { out, cliIo } = io({ JWT: '' });
    expect(await main(['chat', 'hi', '--server', ctx.gateway.url, '--token-env', 'JWT'], cliIo)).toBe(3);
    expect(out.stderr).toContain('--token-env JWT: that environment variable is empty or not set');
    expect(ctx.gateway.requests).toHaveLength(0);
  });

  it.each([
    ['ends the answer with one line end', 'an answer', 'an answer\n'],
    ['adds none to an answer that has one', 'an answer\n', 'an answer\n'],
    ['prints nothing for an empty answer (a tool call only)', '', ''],
  ])('--no-stream %s', async (_name, content, printed) => {
    ctx.gateway.route((_req, reply) => reply.json(200, { content }));
    const { out, cliIo } = io({ JWT: 'the-jwt' });
    expect(await main(['chat', 'hi', '--server', ctx.gateway.url, '--no-stream', '--token-env', 'JWT'], cliIo)).toBe(0);
    expect(out.stdout).toBe(printed);
  });

  it.each([
    ['ends a streamed answer left mid-line with one line end', ['an ', 'answer'], 'an answer\n'],
    ['adds none to a streamed answer that ends its line', ['an ', 'answer\n'], 'an answer\n'],
  ])('streaming %s', async (_name, pieces, printed) => {
    ctx.gateway.route((_req, reply) => reply.sse([...pieces.map((content) => ({ content })), { is_final: true }]));
    const { out, cliIo } = io({ JWT: 'the-jwt' });
    expect(await main(['chat', 'hi', '--server', ctx.gateway.url, '--token-env', 'JWT'], cliIo)).toBe(0);
    expect(out.stdout).toBe(printed);
  });
});
