/**
 * The fault matrix: each row a bad network or a bad server, the error it must give, and nothing delivered
 * twice. Against the loopback gateway.
 */
import {
  AuthenticationError,
  ConnectionError,
  GatewayError,
  LLMProviderError,
  ModelNotFoundError,
  RequestTimeoutError,
  ResponseValidationError,
  StreamChunk,
  StreamError,
} from '../lib';
import type { Observable } from 'rxjs';
import type { RecordedRequest, Reply } from '../lib/testing';
import { clientFor, delay, errorOf, hello, record, useGateway } from './support/harness';

const ctx = useGateway();
const chunk = (content: string) => ({ content, model: 'm', tool_calls: [], usage: null, is_final: false });
const contents = (chunks: StreamChunk[]) => chunks.map((c) => c.content);
const HTML = '<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>';

describe('fault matrix: the stream', () => {
  it('connection reset mid-stream: ConnectionError after the chunks before it, none twice', async () => {
    ctx.gateway.route(async (_req, reply) => {
      await reply.sse([chunk('a'), chunk('b')], { done: false, end: false });
      await delay(20);
      reply.drop();
    });
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    expect(contents(result.values)).toEqual(['a', 'b']);
    expect(result.error).toBeInstanceOf(ConnectionError);
    expect(ctx.gateway.requests).toHaveLength(1);
  });

  it('server closes without [DONE]: StreamError truncated', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([chunk('a')], { done: false }));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    expect(contents(result.values)).toEqual(['a']);
    expect((result.error as StreamError).type).toBe('truncated');
  });

  it('server closes with a last event but no blank line: that event is dropped (spec), then truncated', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([chunk('a'), `data: ${JSON.stringify(chunk('half'))}\n`], { done: false }));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    expect(contents(result.values)).toEqual(['a']);
    expect((result.error as StreamError).type).toBe('truncated');
  });

  it('server stalls: the idle timeout fires and the socket is closed', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([chunk('a')], { done: false, end: false }));
    const { client } = clientFor(ctx.gateway, { timeoutMs: 150 });
    const result = await record(client.chatStream$(hello));
    expect(contents(result.values)).toEqual(['a']);
    expect(result.error).toBeInstanceOf(RequestTimeoutError);
    expect((result.error as RequestTimeoutError).phase).toBe('idle');
    const [sent] = ctx.gateway.requests;
    await sent.closed;
    expect(sent.abortedByClient).toBe(true);
  });

  it('server trickles one byte at a time, slower in total than the timeout: still parses, no timeout', async () => {
    const body = [chunk('slow'), chunk(' and steady')].map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';
    ctx.gateway.route(async (_req, reply) => {
      reply.head(200, { 'content-type': 'text/event-stream' });
      const bytes = Buffer.from(body);
      for (let i = 0; i < bytes.length && !reply.aborted; i++) {
        await reply.write(bytes.subarray(i, i + 1));
        await delay(5);
      }
      reply.end();
    });
    // ~150 bytes at >= 5 ms each: far longer than the 300 ms timeout, but never silent for 300 ms.
    const { client } = clientFor(ctx.gateway, { timeoutMs: 300 });
    const result = await record(client.chatStream$(hello));
    expect(result.error).toBeUndefined();
    expect(contents(result.values)).toEqual(['slow', ' and steady']);
  });

  it('a chunk of the wrong shape mid-stream: ResponseValidationError naming the field', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([chunk('ok'), { content: 'x', is_final: 'yes' }]));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    expect(contents(result.values)).toEqual(['ok']);
    expect(result.error).toBeInstanceOf(ResponseValidationError);
    expect((result.error as ResponseValidationError).field).toBe('is_final');
  });

  it.each(['Text/Event-Stream', 'TEXT/EVENT-STREAM; charset=utf-8'])('an event stream whose media type is in another case (%s) streams', async (type) => {
    ctx.gateway.route(async (_req, reply) => {
      reply.head(200, { 'content-type': type });
      await reply.sse([chunk('hi')]);
    });
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    expect(result.error).toBeUndefined();
    expect(contents(result.values)).toEqual(['hi']);
  });

  it('a Content-Type sent twice, joined with ", " (as the fetch adapter hands it over): the first is taken, and it streams', async () => {
    ctx.gateway.route(async (_req, reply) => {
      reply.head(200, { 'content-type': 'text/event-stream, text/event-stream; charset=utf-8' });
      await reply.sse([chunk('hi')]);
    });
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    expect(result.error).toBeUndefined();
    expect(contents(result.values)).toEqual(['hi']);
  });

  it('a media type that only contains text/event-stream is not one: StreamError not-event-stream', async () => {
    ctx.gateway.route((_req, reply) => reply.text(200, 'data: {"content": "x"}\n\n', { 'content-type': 'application/x-text/event-stream-archive' }));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chatStream$(hello));
    expect(error).toBeInstanceOf(StreamError);
    expect(error.type).toBe('not-event-stream');
  });

  /** Answers `status` with a body announced as 100 bytes, sends 10 of them, then resets the connection. */
  const brokenErrorBody = (status: number) => async (_req: RecordedRequest, reply: Reply) => {
    reply.head(status, { 'content-type': 'application/json', 'content-length': '100' });
    await reply.write('{"detail":');
    setTimeout(() => reply.drop(), 20);
  };

  it('a 503 whose body breaks off is still the 503, with what arrived of its body, not a ConnectionError', async () => {
    ctx.gateway.route(brokenErrorBody(503));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$(hello));
    expect(error).not.toBeInstanceOf(ConnectionError);
    expect(error.status).toBe(503);
    expect(error.message).toBe('Unexpected status 503: {"detail":');
  });

  it('a 404 whose body breaks off is a ModelNotFoundError, never re-sent even with retries on', async () => {
    ctx.gateway.route(brokenErrorBody(404));
    const { client } = clientFor(ctx.gateway, { retry: { count: 3, baseDelayMs: 1 } });
    const error = await errorOf(client.chatStream$(hello));
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect(error.status).toBe(404);
    expect(ctx.gateway.requests).toHaveLength(1);
  });

  it('a 401 whose body breaks off still gets its refresh and re-send', async () => {
    ctx.gateway.route((req, reply) => (req.token === 'fresh' ? reply.json(200, { content: 'ok' }) : brokenErrorBody(401)(req, reply)));
    let refreshes = 0;
    const { client } = clientFor(ctx.gateway, { refreshToken: async () => (refreshes++, 'fresh') }, 'stale');
    const result = await record(client.chat$(hello));
    expect(result.error).toBeUndefined();
    expect(refreshes).toBe(1);
  });

  it('200 with a JSON content type and an error body: StreamError not-event-stream with the detail', async () => {
    ctx.gateway.route((_req, reply) => reply.json(200, { detail: 'streaming disabled for this tenant' }));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chatStream$(hello));
    expect(error).toBeInstanceOf(StreamError);
    expect(error.type).toBe('not-event-stream');
    expect(error.message).toContain('application/json');
    expect(error.message).toContain('streaming disabled for this tenant');
  });

  it('a 200 that is not an event stream: the first 500 characters of its body quoted in the StreamError', async () => {
    ctx.gateway.route((_req, reply) => reply.text(200, 'z'.repeat(700), { 'content-type': 'text/plain' }));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chatStream$(hello));
    expect(error).toBeInstanceOf(StreamError);
    expect(error.type).toBe('not-event-stream');
    expect(error.detail).toBe(`Expected text/event-stream, got text/plain: ${'z'.repeat(500)}`);
  });

  it('502 with an HTML page: GatewayError whose detail is the page text', async () => {
    ctx.gateway.route((_req, reply) => reply.text(502, HTML, { 'content-type': 'text/html' }));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chatStream$(hello));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.detail).toBe(HTML);
  });
});

describe('fault matrix: /chat', () => {
  it('200 with HTML: ResponseValidationError', async () => {
    ctx.gateway.route((_req, reply) => reply.text(200, HTML, { 'content-type': 'text/html' }));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.field).toBe('(body)');
    expect(error.message).toContain('<!doctype html>');
  });

  it.each([
    [{ content: 5 }, 'content'],
    [{ usage: { prompt_tokens: 'three' } }, 'usage.prompt_tokens'],
    [{ tool_calls: [{ id: 'c1', name: 'f', arguments: 'not-an-object' }] }, 'tool_calls.0.arguments'],
    [[1, 2], '(root)'],
  ])('200 with JSON of the wrong shape %j: ResponseValidationError naming %s', async (body, field) => {
    ctx.gateway.route((_req, reply) => reply.json(200, body));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.field).toBe(field);
  });

  it('500 with an HTML page: LLMProviderError with status and the page', async () => {
    ctx.gateway.route((_req, reply) => reply.text(500, HTML, { 'content-type': 'text/html' }));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$(hello));
    expect(error.constructor).toBe(LLMProviderError);
    expect(error.status).toBe(500);
    expect(error.message).toBe(`Unexpected status 500: ${HTML}`);
  });

  it('404 with an empty body: ModelNotFoundError', async () => {
    ctx.gateway.route((_req, reply) => reply.text(404, ''));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$({ ...hello, model: 'gpt-nonexistent' }));
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect(error.model).toBe('gpt-nonexistent');
  });

  it('a huge error page is cut in the message, not kept whole', async () => {
    ctx.gateway.route((_req, reply) => reply.text(500, 'x'.repeat(500_000)));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$(hello));
    expect(error.message.length).toBeLessThan(3000);
  });

  it('a huge error page: 64 KiB of it read, the first 2 kB of that shown', async () => {
    ctx.gateway.route((_req, reply) => reply.text(500, 'x'.repeat(500_000)));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$(hello));
    expect(error.message).toBe(`Unexpected status 500: ${'x'.repeat(2048)}… (${64 * 1024 - 2048} more chars)`);
  });

  it('a 200 that is not JSON: the first 200 characters of it quoted', async () => {
    ctx.gateway.route((_req, reply) => reply.text(200, 'y'.repeat(300), { 'content-type': 'text/plain' }));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.message).toBe(`Invalid response from gateway at "(body)": not JSON: ${'y'.repeat(200)}`);
  });

  it('a refresh that succeeds but the retry gets 401 again: exactly two requests, AuthenticationError', async () => {
    ctx.gateway.route((_req, reply) => reply.json(401, { detail: 'revoked' }));
    let refreshes = 0;
    const { client } = clientFor(ctx.gateway, { refreshToken: async () => `t${++refreshes}` });
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(ctx.gateway.requests).toHaveLength(2);
    expect(refreshes).toBe(1);
  });
});

describe('every error names its request', () => {
  const chatUrl = () => `${ctx.gateway.url}/api/v1/llm/chat`;
  const streamUrl = () => `${ctx.gateway.url}/api/v1/llm/chat/stream`;

  it('a timeout: the request, and no status', async () => {
    ctx.gateway.route(() => undefined);
    const { client } = clientFor(ctx.gateway, { timeoutMs: 100 });
    for (const [call, url] of [[client.chat$(hello), chatUrl()], [client.chatStream$(hello), streamUrl()]] as const) {
      const error = await errorOf(call as Observable<unknown>);
      expect(error).toBeInstanceOf(RequestTimeoutError);
      expect(error.request).toEqual({ method: 'POST', url });
      expect(error.status).toBeUndefined();
    }
  });

  it('a stream error and a chunk of the wrong shape: status 200 and the request', async () => {
    ctx.gateway.route((req, reply) =>
      reply.sse([(req.body as { messages: Array<{ content: string }> }).messages[0].content === 'shape' ? { content: 5 } : { error: 'upstream_failed', detail: 'boom' }]),
    );
    const { client } = clientFor(ctx.gateway);
    const payload = await errorOf(client.chatStream$(hello));
    expect(payload).toBeInstanceOf(StreamError);
    expect(payload).toMatchObject({ status: 200, request: { method: 'POST', url: streamUrl() } });
    const shape = await errorOf(client.chatStream$({ ...hello, messages: [{ role: 'user', content: 'shape' }] }));
    expect(shape).toBeInstanceOf(ResponseValidationError);
    expect(shape).toMatchObject({ status: 200, request: { method: 'POST', url: streamUrl() } });
  });

  it('a /chat answer of the wrong shape: status 200 and the request, as for one that is not JSON', async () => {
    ctx.gateway.route((_req, reply) => reply.json(200, { content: 5 }));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error).toMatchObject({ status: 200, request: { method: 'POST', url: chatUrl() } });
  });
});
