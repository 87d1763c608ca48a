/** chat$ against a real loopback gateway: the wire body, the mapping, status errors, laziness, timeouts. */
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  ConnectionError,
  GatewayError,
  LlmGatewayClient,
  LLMProviderError,
  LLMRequest,
  ModelNotFoundError,
  RequestTimeoutError,
  ResponseValidationError,
} from '../lib';
import { clientFor, delay, errorOf, hello, record, useGateway } from './support/harness';

const ctx = useGateway();

describe('chat$', () => {
  it('POSTs the snake_case body with the bearer token and emits one LLMResponse, then completes', async () => {
    ctx.gateway.route((_req, reply) =>
      reply.json(200, {
        content: 'Hi there',
        model: 'served-model',
        usage: { prompt_tokens: 3, completion_tokens: 5 },
        tool_calls: [{ id: 'c1', name: 'lookup', arguments: { q: 'x' } }],
        latency_ms: 12.5,
      }),
    );
    const { client } = clientFor(ctx.gateway, {}, 'jwt-abc');
    const result = await record(
      client.chat$({ ...hello, temperature: 0.2, maxTokens: 50, tools: [{ type: 'function' }], toolChoice: 'auto', timeout: 30 }),
    );

    expect(result.completed).toBe(true);
    expect(result.values).toEqual([
      {
        content: 'Hi there',
        model: 'served-model',
        usage: { promptTokens: 3, completionTokens: 5 },
        toolCalls: [{ id: 'c1', name: 'lookup', arguments: { q: 'x' } }],
        latencyMs: 12.5,
      },
    ]);
    const [sent] = ctx.gateway.requests;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/api/v1/llm/chat');
    expect(sent.headers.authorization).toBe('Bearer jwt-abc');
    expect(sent.headers['content-type']).toMatch(/^application\/json/);
    expect(sent.body).toEqual({
      messages: hello.messages,
      model: 'test-model',
      temperature: 0.2,
      max_tokens: 50,
      tools: [{ type: 'function' }],
      tool_choice: 'auto',
      timeout: 30,
    });
  });

  it('sends the defaults for unset request fields', async () => {
    ctx.gateway.route((_req, reply) => reply.json(200, { content: 'ok' }));
    const { client } = clientFor(ctx.gateway, { timeoutMs: 45_000 });
    await record(client.chat$(hello));
    expect(ctx.gateway.requests[0].body).toEqual({
      messages: hello.messages,
      model: 'test-model',
      temperature: 0.7,
      max_tokens: 1024,
      tools: null,
      tool_choice: null,
      timeout: 45,
    });
  });

  it('fills missing response fields with the reference defaults', async () => {
    ctx.gateway.route((_req, reply) => reply.json(200, { tool_calls: [{}], usage: null }));
    const { client } = clientFor(ctx.gateway);
    const { values } = await record(client.chat$(hello));
    expect(values).toEqual([
      {
        content: '',
        model: 'test-model',
        usage: { promptTokens: 0, completionTokens: 0 },
        toolCalls: [{ id: '', name: '', arguments: {} }],
        latencyMs: 0,
      },
    ]);
  });

  it.each(['/', '///'])('tolerates trailing slashes on serverUrl (%s)', async (slashes) => {
    ctx.gateway.route((_req, reply) => reply.json(200, { content: 'ok' }));
    const { client } = clientFor(ctx.gateway, { serverUrl: `${ctx.gateway.url}${slashes}` });
    await record(client.chat$(hello));
    expect(ctx.gateway.requests[0].path).toBe('/api/v1/llm/chat');
  });

  it('is cold and lazy: nothing is sent before subscribe, and each subscription sends its own request', async () => {
    ctx.gateway.route((_req, reply) => reply.json(200, { content: 'ok' }));
    const { client } = clientFor(ctx.gateway);
    const chat$ = client.chat$(hello);
    await delay(50);
    expect(ctx.gateway.requests).toHaveLength(0);
    await Promise.all([record(chat$), record(chat$)]);
    expect(ctx.gateway.requests).toHaveLength(2);
  });

  it('sends content parts (text and image) as they are', async () => {
    ctx.gateway.route((_req, reply) => reply.json(200, { content: 'a cat' }));
    const { client } = clientFor(ctx.gateway);
    const parts = [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }];
    const result = await record(client.chat$({ model: 'vision', messages: [{ role: 'user', content: parts }] }));
    expect(result.values.map((r) => r.content)).toEqual(['a cat']);
    expect((ctx.gateway.requests[0].body as { messages: unknown[] }).messages).toEqual([{ role: 'user', content: parts }]);
  });

  it('maps 404 to ModelNotFoundError naming the model, and what the gateway said', async () => {
    ctx.gateway.route((_req, reply) => reply.json(404, { detail: 'no such model' }));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect(error).toBeInstanceOf(LLMProviderError);
    expect(error.model).toBe('test-model');
    expect(error.status).toBe(404);
    expect(error.message).toBe('Model not found: test-model (no such model)');
  });

  it('a 404 from a wrong serverUrl path says so through the gateway’s detail, not as an unknown model alone', async () => {
    const { client } = clientFor(ctx.gateway, { serverUrl: `${ctx.gateway.url}/api` });
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect(error.message).toBe('Model not found: test-model (not found)');
    expect(error.request?.url).toBe(`${ctx.gateway.url}/api/api/v1/llm/chat`);
  });

  it('waits for a request’s own longer `timeout` (plus 1 s), and keeps the client’s bound otherwise', async () => {
    ctx.gateway.route(async (_req, reply) => {
      await delay(300);
      reply.json(200, { content: 'slow but within the request timeout' });
    });
    const { client } = clientFor(ctx.gateway, { timeoutMs: 100 });
    const result = await record(client.chat$({ ...hello, timeout: 5 }));
    expect(result.values.map((r) => r.content)).toEqual(['slow but within the request timeout']);
    expect(await errorOf(client.chat$(hello))).toBeInstanceOf(RequestTimeoutError);
  });

  it('lengthens its wait for a request `timeout` to that many seconds plus one, and says so in the timeout', async () => {
    ctx.gateway.route(() => undefined);
    const { client } = clientFor(ctx.gateway, { timeoutMs: 100 });
    const error = await errorOf(client.chat$({ ...hello, timeout: 0.05 }));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.phase).toBe('request');
    expect(error.timeoutMs).toBe(1050);
  });

  it.each([
    ['detail', JSON.stringify({ detail: 'upstream timed out', error: 'ignored' }), 'upstream timed out'],
    ['error', JSON.stringify({ error: 'rate limited upstream' }), 'rate limited upstream'],
    ['raw text', 'Bad Gateway from nginx', 'Bad Gateway from nginx'],
    ['structured detail (as JSON)', JSON.stringify({ detail: { code: 'E1' } }), '{"code":"E1"}'],
    ['error under a null detail', JSON.stringify({ detail: null, error: 'quota' }), 'quota'],
    ['null detail (as JSON)', JSON.stringify({ detail: null }), 'null'],
    ['JSON array (as text)', '["a"]', '["a"]'],
  ])('maps 502 to GatewayError with the %s as detail', async (_what, body, detail) => {
    ctx.gateway.route((_req, reply) => reply.text(502, body));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.detail).toBe(detail);
    expect(error.status).toBe(502);
    expect(error.message).toContain(detail);
  });

  it('maps any other status to LLMProviderError with status and body', async () => {
    ctx.gateway.route((_req, reply) => reply.text(418, 'I am a teapot'));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$(hello));
    expect(error.constructor).toBe(LLMProviderError);
    expect(error.status).toBe(418);
    expect(error.message).toBe('Unexpected status 418: I am a teapot');
  });

  it('fails with ResponseValidationError naming the field when the JSON has the wrong shape', async () => {
    ctx.gateway.route((_req, reply) => reply.json(200, { content: 5 }));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.field).toBe('content');
    // zod/mini carries no messages of its own: the English ones must come with each parse.
    expect(error.message).toBe('Invalid response from gateway at "content": Invalid input: expected string, received number');
  });

  it('fails with LLMProviderError (cause kept) when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { client } = clientFor(ctx.gateway, { serverUrl: `http://127.0.0.1:${port}` });
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toBeInstanceOf(LLMProviderError);
    expect(error.cause.code).toBe('ECONNREFUSED');
  });

  it('fails with LLMProviderError (cause kept) when the connection is reset', async () => {
    ctx.gateway.route((_req, reply) => reply.drop());
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.cause.code).toBe('ECONNRESET');
    expect(error.message).toMatch(/Network error/);
  });

  it('times out the whole request with RequestTimeoutError and closes the socket', async () => {
    ctx.gateway.route(() => undefined);
    const { client } = clientFor(ctx.gateway, { timeoutMs: 150 });
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.phase).toBe('request');
    const [sent] = ctx.gateway.requests;
    await sent.closed;
    expect(sent.abortedByClient).toBe(true);
  });

  /** Routes both endpoints to answer after 50 ms: a timer cut to 1 ms would fail them first. */
  const answerBothAfter50ms = () =>
    ctx.gateway.route(async (req, reply) => {
      await delay(50);
      if (req.path.endsWith('/stream')) await reply.sse([{ content: 'streamed' }]);
      else reply.json(200, { content: 'ok' });
    });

  /** Both calls of `client` answer `request`, neither timing out. */
  async function expectBothAnswer(client: LlmGatewayClient, request: LLMRequest): Promise<void> {
    const answer = await record(client.chat$(request));
    expect(answer.error).toBeUndefined();
    expect(answer.values[0].content).toBe('ok');
    const stream = await record(client.chatStream$(request));
    expect(stream.error).toBeUndefined();
    expect(stream.values.map((c) => c.content)).toEqual(['streamed']);
  }

  it('a timeoutMs beyond what a timer keeps (2^31 ms and more) means "practically never", not "after 1 ms"', async () => {
    answerBothAfter50ms();
    const { client } = clientFor(ctx.gateway, { timeoutMs: 2 ** 31 });
    expect(() => clientFor(ctx.gateway, { timeoutMs: Infinity })).not.toThrow();
    await expectBothAnswer(client, hello);
  });

  it('a request `timeout` beyond what a timer keeps lengthens the wait to "practically never", not to "after 1 ms"', async () => {
    answerBothAfter50ms();
    const { client } = clientFor(ctx.gateway, { timeoutMs: 100 });
    // 3 000 000 s: the client would wait 3e9 ms, past 2^31 - 1, which a timer would cut to 1 ms.
    const request = { ...hello, timeout: 3_000_000 };
    await expectBothAnswer(client, request);
  });

  it('aborts the request when unsubscribed before the answer', async () => {
    ctx.gateway.route(() => undefined);
    const { client } = clientFor(ctx.gateway);
    const subscription = client.chat$(hello).subscribe();
    const [sent] = await ctx.gateway.waitForRequests(1);
    const unsubscribedAt = performance.now();
    subscription.unsubscribe();
    const closedAt = await sent.closed;
    expect(closedAt - unsubscribedAt).toBeLessThan(1000);
    expect(sent.abortedByClient).toBe(true);
  });

  it('rejects a request that does not fit the schema before sending anything', async () => {
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$({ model: '', messages: [] }));
    expect(error).toBeInstanceOf(LLMProviderError);
    expect(error.message).toBe('Invalid request at "model": Too small: expected string to have >=1 characters');
    const bad = await errorOf(client.chat$({ model: 'm', messages: 'hi' } as never));
    expect(bad.message).toBe('Invalid request at "messages": Invalid input: expected array, received string');
    expect(ctx.gateway.requests).toHaveLength(0);
  });
});

describe('a client inside a Proxy (Vue `reactive`, MobX `observable`)', () => {
  // Such state wraps the object, and everything read from it, in Proxies: methods then run with the Proxy as
  // `this`. ES private fields (`#x`) throw there ("Cannot read private member"); the client must not use them.
  function reactiveLike<T extends object>(target: T): T {
    return new Proxy(target, {
      get(object, key, receiver) {
        const value = Reflect.get(object, key, receiver);
        return typeof value === 'object' && value !== null ? reactiveLike(value) : value;
      },
    });
  }

  it('answers chat$ and chatStream$ called through the Proxy', async () => {
    ctx.gateway.route((req, reply) =>
      req.path.endsWith('/stream') ? reply.sse([{ content: 'hi', is_final: true }]) : reply.json(200, { content: 'ok' }),
    );
    const client = reactiveLike(clientFor(ctx.gateway).client);
    const answer = await record(client.chat$(hello));
    expect(answer.error).toBeUndefined();
    expect(answer.values.map((r) => r.content)).toEqual(['ok']);
    expect((await record(client.chatStream$(hello))).values.map((c) => c.content)).toEqual(['hi']);
  });
});
