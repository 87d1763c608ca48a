/**
 * An app's own axios instance (the `axios` option) keeps every guarantee: its defaults (a timeout, a baseURL
 * with absolute URLs refused, request transforms, `decompress: false`, a body size limit, upload progress,
 * HTTP/2, fetch options) do not change what the client sends, how it sends it or how long it waits, a response
 * interceptor that unwraps the response fails cleanly and closes the connection, and an adapter that hands the body over whole (a mock, a native-HTTP adapter) still answers.
 */
import axios, { type AxiosAdapter, type AxiosRequestConfig } from 'axios';
import { Agent } from 'node:http';
import { createServer as createTcpServer, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ConnectionError, LLMProviderError } from '../lib';
import { startTestGateway } from '../lib/testing';
import { clientFor, delay, errorOf, hello, record, useGateway } from './support/harness';

const ctx = useGateway();
const answer = { content: 'hello', model: 'm', usage: { prompt_tokens: 1, completion_tokens: 1 }, tool_calls: [], latency_ms: 1 };
const event = (content: string) => `data: ${JSON.stringify({ content, model: 'm', tool_calls: [], usage: null, is_final: false })}\n\n`;

describe("an instance's `timeout` default: the client's own timeouts rule", () => {
  it('chat$ waits past it (and a retry policy does not re-send a request still being answered)', async () => {
    ctx.gateway.route(async (_req, reply) => {
      await delay(600);
      reply.json(200, answer);
    });
    const { client } = clientFor(ctx.gateway, { axios: axios.create({ timeout: 200 }), timeoutMs: 5000, retry: { count: 2, baseDelayMs: 10 } });
    const result = await record(client.chat$(hello));
    expect(result.error).toBeUndefined();
    expect(ctx.gateway.requests).toHaveLength(1);
  });

  it('chatStream$ over the fetch adapter is not cut when the whole stream outlasts it', async () => {
    ctx.gateway.route((_req, reply) => reply.sse(['a', 'b', 'c', 'd', 'e', 'f'].map((content) => ({ content })), { delayMs: 100 }));
    const { client } = clientFor(ctx.gateway, { axios: axios.create({ adapter: 'fetch', timeout: 250 }), timeoutMs: 5000 });
    const result = await record(client.chatStream$(hello));
    expect(result.error).toBeUndefined();
    expect(result.values).toHaveLength(6);
  });
});

describe('a response interceptor that unwraps the response (`(response) => response.data`)', () => {
  it.each(['http', 'fetch'] as const)('%s adapter: an LLMProviderError that says so, and the connection closed', async (adapter) => {
    ctx.gateway.route(async (_req, reply) => {
      reply.head(200, { 'content-type': 'text/event-stream' });
      await reply.write(event('a')); // then stalls: only the client can end it
    });
    const instance = axios.create({ adapter });
    instance.interceptors.response.use((response) => response.data);
    const { client } = clientFor(ctx.gateway, { axios: instance });
    const result = await record(client.chatStream$(hello));
    expect(result.error).toBeInstanceOf(LLMProviderError);
    expect((result.error as Error).message).toMatch(/did not hand back a response/);
    await ctx.gateway.requests[0].closed;
    expect(ctx.gateway.requests[0].abortedByClient).toBe(true);
  });
});

describe("a request interceptor that fails with the app's own error (no axios error in it)", () => {
  it('is an LLMProviderError with that error as cause, not a ConnectionError: never re-sent, nothing sent', async () => {
    const refused = new Error('no session');
    let calls = 0;
    const instance = axios.create();
    instance.interceptors.request.use(() => {
      calls++;
      throw refused;
    });
    const { client } = clientFor(ctx.gateway, { axios: instance, retry: { count: 3, baseDelayMs: 1 } });
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(LLMProviderError);
    expect(error).not.toBeInstanceOf(ConnectionError);
    expect(error.message).toBe('Request failed: Error: no session');
    expect(error.cause).toBe(refused);
    expect(error.request).toEqual({ method: 'POST', url: `${ctx.gateway.url}/api/v1/llm/chat` });
    expect(calls).toBe(1);
    expect(ctx.gateway.requests).toHaveLength(0);
  });
});

describe('an adapter that hands the body over whole (a mock adapter, a native-HTTP one)', () => {
  const adapterGiving =
    (data: unknown): AxiosAdapter =>
    async (config) => ({ data, status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, config, request: {} });
  it.each([
    ['the JSON it already parsed', answer],
    ['an ArrayBuffer', new TextEncoder().encode(JSON.stringify(answer)).buffer],
    ['a Uint8Array', new TextEncoder().encode(JSON.stringify(answer))],
    ['a Buffer', Buffer.from(JSON.stringify(answer))],
  ])('chat$ answers from %s', async (_what, data) => {
    const { client } = clientFor(ctx.gateway, { axios: axios.create({ adapter: adapterGiving(data) }) });
    const result = await record(client.chat$(hello));
    expect(result.values.map((response) => response.content)).toEqual(['hello']);
  });
});

describe('an instance that decompresses nothing (`decompress: false`)', () => {
  it.each(['chat$', 'chatStream$'] as const)('%s still reads a gzip answer (axios asks for one either way)', async (method) => {
    const stream = method === 'chatStream$';
    ctx.gateway.route(async (_req, reply) => {
      reply.head(200, { 'content-type': stream ? 'text/event-stream' : 'application/json', 'content-encoding': 'gzip' });
      await reply.write(gzipSync(stream ? `${event('hello')}data: [DONE]\n\n` : JSON.stringify(answer)));
      reply.end();
    });
    const { client } = clientFor(ctx.gateway, { axios: axios.create({ decompress: false }) });
    const result = await record<{ content: string }>(client[method](hello));
    expect(result.error).toBeUndefined();
    expect(result.values.map((value) => value.content)).toEqual(['hello']);
  });
});

describe("an instance with a baseURL and absolute URLs refused (axios' `allowAbsoluteUrls: false`)", () => {
  it('still sends to serverUrl: the token never goes to the baseURL host', async () => {
    const appApi = await startTestGateway();
    try {
      ctx.gateway.route((_req, reply) => reply.json(200, answer));
      const instance = axios.create({ baseURL: `${appApi.url}/api`, allowAbsoluteUrls: false });
      const { client } = clientFor(ctx.gateway, { axios: instance }, 'secret-token');
      const result = await record(client.chat$(hello));
      expect(result.error).toBeUndefined();
      expect(appApi.requests).toHaveLength(0);
      expect(ctx.gateway.requests).toHaveLength(1);
    } finally {
      await appApi.close();
    }
  });
});

describe("an instance's own fetch `env.Response` (a polyfill, an app's wrapper)", () => {
  it('is the one the fetch adapter builds responses with: the client sets its own only where the instance has none', async () => {
    ctx.gateway.route((_req, reply) => reply.json(200, answer));
    let built = 0;
    class AppResponse extends Response {
      constructor(...args: ConstructorParameters<typeof Response>) {
        super(...args);
        built++;
      }
    }
    const env = { Response: AppResponse as NonNullable<AxiosRequestConfig['env']>['Response'] };
    const { client } = clientFor(ctx.gateway, { axios: axios.create({ adapter: 'fetch', env }) });
    const result = await record(client.chat$(hello));
    expect(result.error).toBeUndefined();
    expect(built).toBeGreaterThan(0);
  });
});

describe("an instance's request transforms", () => {
  it('do not rewrite the wire body (a camelCase -> snake_case transform would rename tool schema properties)', async () => {
    ctx.gateway.route((_req, reply) => reply.json(200, answer));
    const snake = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(snake)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snake(item)]))
          : value;
    const instance = axios.create({ transformRequest: [snake, ...(axios.defaults.transformRequest as Array<(data: unknown) => unknown>)] });
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { cityName: { type: 'string' } } } } }];
    const { client } = clientFor(ctx.gateway, { axios: instance });
    await record(client.chat$({ ...hello, tools }));
    expect((ctx.gateway.requests[0].body as { tools: unknown }).tools).toEqual(tools);
  });
});

describe('a 200 that comes before the server read the request body', () => {
  // A server that answers from the head alone and reads no more: Node's http adapter would go on sending the
  // body after the call completed, holding the socket for as long as the server does.
  let sockets: Socket[] = [];
  let answerAs: 'json' | 'stream' = 'json';
  const server = createTcpServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => {
      socket.pause();
      const [type, body] = answerAs === 'stream' ? ['text/event-stream', `${event('hello')}data: [DONE]\n\n`] : ['application/json', JSON.stringify(answer)];
      socket.write(`HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    });
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  afterEach(() => {
    for (const socket of sockets) socket.destroy();
    sockets = [];
  });

  it.each(['chat$', 'chatStream$'] as const)('%s completes and stops the upload: its socket is destroyed, nothing left queued', async (method) => {
    // (The server reads nothing, so it cannot see the close: the client's socket is watched instead.)
    const connect = jest.spyOn(Agent.prototype, 'createConnection');
    try {
      const port = (server.address() as { port: number }).port;
      const { client } = clientFor(ctx.gateway, { serverUrl: `http://127.0.0.1:${port}` });
      const big = { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(16 * 1024 * 1024) }] };
      answerAs = method === 'chatStream$' ? 'stream' : 'json';
      const result = await record<unknown>(client[method](big));
      expect(result.completed).toBe(true);
      const socket = connect.mock.results[0].value as Socket;
      await delay(50);
      expect(socket.destroyed).toBe(true);
    } finally {
      connect.mockRestore();
    }
  });
});

describe("an instance's `maxBodyLength` default (a limit for the app's own uploads)", () => {
  it.each(['http', 'fetch'] as const)('%s adapter: a larger request is still sent (the client bounds answers, not requests)', async (adapter) => {
    ctx.gateway.route((_req, reply) => reply.json(200, answer));
    const { client } = clientFor(ctx.gateway, { axios: axios.create({ adapter, maxBodyLength: 1024 }) });
    const long = { ...hello, messages: [{ role: 'user', content: 'x'.repeat(4096) }] };
    const result = await record(client.chat$(long));
    expect(result.error).toBeUndefined();
    expect((ctx.gateway.requests[0].body as typeof long).messages).toEqual(long.messages);
  });
});

describe("an instance's `onUploadProgress` default", () => {
  it.each(['http', 'fetch'] as const)('%s adapter: the body still goes as one known length, not streamed and chunked', async (adapter) => {
    // (A browser's fetch sends a streamed body over HTTP/2 only: over HTTP/1.1 every request would fail.)
    ctx.gateway.route((_req, reply) => reply.json(200, answer));
    const { client } = clientFor(ctx.gateway, { axios: axios.create({ adapter, onUploadProgress: () => undefined }) });
    const result = await record(client.chat$(hello));
    expect(result.error).toBeUndefined();
    const [request] = ctx.gateway.requests;
    expect(request.headers['transfer-encoding']).toBeUndefined();
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify(request.body))));
  });
});

describe("an instance that speaks HTTP/2 to the app's API (`httpVersion: 2`)", () => {
  it.each(['chat$', 'chatStream$'] as const)('%s still talks HTTP/1.1 to the gateway (a gateway that speaks no HTTP/2 answers)', async (method) => {
    ctx.gateway.route((req, reply) => (req.path.endsWith('/stream') ? reply.sse([{ content: 'hello', is_final: true }]) : reply.json(200, answer)));
    const { client } = clientFor(ctx.gateway, { axios: axios.create({ adapter: 'http', httpVersion: 2 }) });
    const result = await record<{ content: string }>(client[method](hello));
    expect(result.error).toBeUndefined();
    expect(result.values.map((value) => value.content)).toEqual(['hello']);
  });
});

describe("an instance's `fetchOptions` defaults (for the app's own API)", () => {
  it.each(['chat$', 'chatStream$'] as const)('%s: the request fetch gets is a CORS request, not kept alive, not cached, with no integrity to check', async (method) => {
    ctx.gateway.route((req, reply) => (req.path.endsWith('/stream') ? reply.sse([{ content: 'hello', is_final: true }]) : reply.json(200, answer)));
    // `no-cors` would drop the Authorization header and send the body as text/plain (in a browser), `keepalive`
    // caps the body at 64 KiB (in a browser), `only-if-cached` and a hash make fetch fail even in Node, the hash
    // after the gateway has answered. Seen through the instance's own `env.fetch` (a real fetch, to the real gateway).
    const sent: Request[] = [];
    const fetchSeen = (input: URL | Request | string, init?: RequestInit) => (sent.push(input as Request), fetch(input, init));
    const fetchOptions = { mode: 'no-cors', keepalive: true, cache: 'only-if-cached', integrity: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' };
    const { client } = clientFor(ctx.gateway, { axios: axios.create({ adapter: 'fetch', fetchOptions, env: { fetch: fetchSeen } }) });
    const result = await record<{ content: string }>(client[method](hello));
    expect(result.error).toBeUndefined();
    expect(result.values.map((value) => value.content)).toEqual(['hello']);
    expect(sent.map(({ mode, keepalive, cache, integrity, redirect }) => ({ mode, keepalive, cache, integrity, redirect }))).toEqual([
      { mode: 'cors', keepalive: false, cache: 'no-store', integrity: '', redirect: 'manual' },
    ]);
  });
});
