/**
 * The gateway forwarding to an OpenAI-compatible server, over the wire: client -> loopback gateway ->
 * loopback "OpenAI" server replaying recorded-shape streams. The upstream is a second loopback gateway whose
 * handler answers `POST {base}/chat/completions`, so every upstream request is recorded too.
 */
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import { GatewayError, ModelNotFoundError, StreamError } from '../lib';
import { startTestGateway, type GatewayHandler, type RecordedRequest, type TestGateway } from '../lib/testing';
import { forwardToOpenAi } from '../lib/testing/openai-upstream';
import { contentStream, errorMidStream, toolCallStream, truncatedStream, upstream500Body } from './fixtures/openai-streams';
import { clientFor, errorOf, hello, record } from './support/harness';

let upstream: TestGateway;
let gateway: TestGateway;
let logLines: string[];
const UPSTREAM_PATH = '/api/v1/llm/chat/completions';

beforeEach(async () => {
  upstream = await startTestGateway();
  gateway = await startTestGateway();
  logLines = [];
  gateway.route(forwardToOpenAi({ url: `${upstream.url}/api/v1/llm/`, apiKey: 'sk-upstream-key', log: (line) => logLines.push(line) }));
});

afterEach(async () => {
  await gateway.close();
  await upstream.close();
});

/** The upstream replays `body` as an event stream, in pieces of `splitEvery` bytes when given. */
function replay(body: string, splitEvery?: number): GatewayHandler {
  return (_, reply) => reply.sse([body], { done: false, splitEvery });
}

/** Resolves when the request's response closed; fails the test after 2 s instead of hanging to the jest timeout. */
function closedSoon(request: RecordedRequest): Promise<number> {
  return Promise.race([
    request.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('upstream request still open after 2 s')), 2000).unref()),
  ]);
}

const client = () => clientFor(gateway, {}, 'client-jwt-must-stay-here').client;

describe('forwarding /chat/stream', () => {
  it('streams content deltas and the usage, and sends upstream the translated request with the upstream key only', async () => {
    upstream.route(replay(contentStream));
    const chunks = await lastValueFrom(client().chatStream$({ ...hello, temperature: 0.1, maxTokens: 50 }).pipe(toArray()));
    expect(chunks.map((c) => c.content).join('')).toBe('Hello there, wörld!');
    expect(chunks.at(-1)).toEqual({
      content: '',
      model: 'gpt-4o-mini-2024-07-18',
      toolCalls: [],
      usage: { promptTokens: 19, completionTokens: 10 },
      isFinal: true,
    });
    const [sent] = upstream.requests;
    expect(sent.path).toBe(UPSTREAM_PATH);
    expect(sent.token).toBe('sk-upstream-key');
    expect(sent.body).toEqual({
      model: 'test-model',
      messages: [{ role: 'user', content: 'hello' }],
      stream: true,
      temperature: 0.1,
      max_tokens: 50,
      stream_options: { include_usage: true },
    });
    expect(JSON.stringify(sent.headers)).not.toContain('client-jwt-must-stay-here');
    expect(logLines).toEqual(['stream test-model: ok (4 chunks)']);
  });

  it('assembles tool-call fragments, even with the upstream bytes cut every 7 bytes', async () => {
    upstream.route(replay(toolCallStream, 7));
    const chunks = await lastValueFrom(client().chatStream$(hello).pipe(toArray()));
    expect(chunks).toHaveLength(1);
    expect(chunks[0].toolCalls).toEqual([
      { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', arguments: { location: 'Paris, France' } },
      { id: 'call_ABC', name: 'get_time', arguments: { tz: 'CET' } },
    ]);
  });

  it('an upstream 500 becomes a 502 with the upstream message', async () => {
    upstream.route((_, reply) => reply.json(500, upstream500Body));
    const error = await errorOf(client().chatStream$(hello));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.detail).toBe('upstream answered 500: The server had an error while processing your request. Sorry about that!');
  });

  it('an upstream connection dropped mid-stream ends the stream with an error payload', async () => {
    upstream.route(async (_, reply) => {
      await reply.sse([truncatedStream], { done: false, end: false });
      reply.drop();
    });
    const result = await record(client().chatStream$(hello));
    expect(result.values.map((c) => c.content)).toEqual(['Hello']);
    expect(result.error).toBeInstanceOf(StreamError);
    expect(result.error).toMatchObject({ type: 'error-payload' });
    expect((result.error as StreamError).detail).toMatch(/^upstream connection lost: /);
  });

  it('an upstream connection dropped before any content is a 502', async () => {
    upstream.route((_, reply) => reply.drop());
    const error = await errorOf(client().chatStream$(hello));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.detail).toBe(`upstream connection failed at ${upstream.url}${UPSTREAM_PATH} (ECONNRESET)`);
  });

  it('an error event mid-stream reaches the client as a StreamError with its message', async () => {
    upstream.route(replay(errorMidStream));
    const result = await record(client().chatStream$(hello));
    expect(result.values.map((c) => c.content)).toEqual(['Partial']);
    expect((result.error as StreamError).detail).toBe('llama_decode failed: KV cache is full');
  });

  it('an upstream that answers JSON to a stream request is a 502 that says so', async () => {
    upstream.route((_, reply) => reply.json(200, { choices: [] }));
    const error = await errorOf(client().chatStream$(hello));
    expect(error.detail).toMatch(/upstream answered 200 with application\/json instead of an event stream/);
  });

  it('the client going away mid-stream aborts the upstream request', async () => {
    upstream.route(async (_, reply) => {
      await reply.sse([truncatedStream], { done: false, end: false });
    });
    const firstChunk = new Promise<void>((resolve) => {
      const subscription = client()
        .chatStream$(hello)
        .subscribe(() => {
          subscription.unsubscribe();
          resolve();
        });
    });
    await firstChunk;
    const [sent] = await upstream.waitForRequests(1);
    await closedSoon(sent);
    expect(sent.abortedByClient).toBe(true);
  });
});

describe('forwarding /chat', () => {
  const answer = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'llama3.2',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hi!' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
  };

  it('translates the answer and asks upstream without streaming', async () => {
    upstream.route((_, reply) => reply.json(200, answer));
    const response = await lastValueFrom(client().chat$(hello));
    expect(response).toMatchObject({ content: 'Hi!', model: 'llama3.2', usage: { promptTokens: 5, completionTokens: 2 }, toolCalls: [] });
    expect(upstream.requests[0].body).toMatchObject({ stream: false, model: 'test-model' });
    expect(upstream.requests[0].body).not.toHaveProperty('stream_options');
  });

  it('an upstream 500 becomes a GatewayError with the upstream message', async () => {
    upstream.route((_, reply) => reply.json(500, upstream500Body));
    const error = await errorOf(client().chat$(hello));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.status).toBe(502);
    expect(error.detail).toMatch(/^upstream answered 500: The server had an error/);
  });

  it('an upstream 404 about the model becomes ModelNotFoundError; any other 404 stays a 502', async () => {
    upstream.route((_, reply) => reply.json(404, { error: { message: 'model "test-model" not found, try pulling it first' } }));
    expect(await errorOf(client().chat$(hello))).toBeInstanceOf(ModelNotFoundError);
    upstream.route((_, reply) => reply.text(404, '404 page not found'));
    const error = await errorOf(client().chat$(hello));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.detail).toBe('upstream answered 404: 404 page not found');
  });

  it('an unreachable upstream is a 502 naming the address', async () => {
    const address = upstream.url;
    await upstream.close();
    const error = await errorOf(client().chat$(hello));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.detail).toBe(`upstream unreachable at ${address}/api/v1/llm/chat/completions (ECONNREFUSED)`);
  });

  it('the client going away before the answer aborts the upstream request', async () => {
    upstream.route(() => undefined);
    const subscription = client().chat$(hello).subscribe();
    const [sent] = await upstream.waitForRequests(1);
    subscription.unsubscribe();
    await closedSoon(sent);
    expect(sent.abortedByClient).toBe(true);
  });
});

describe('forwarding under a slow or hostile upstream', () => {
  /** An error status whose body starts and then never ends. */
  const stalledErrorBody = (status: number): GatewayHandler => async (_, reply) => {
    reply.head(status, { 'content-type': 'application/json' });
    await reply.write('{"error": {"message": "overl');
  };

  it('the client going away while the upstream error body is still arriving closes the upstream request', async () => {
    upstream.route(stalledErrorBody(500));
    const subscription = client().chat$(hello).subscribe({ error: () => undefined });
    const [sent] = await upstream.waitForRequests(1);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the gateway is reading the error body now
    subscription.unsubscribe();
    await closedSoon(sent);
  });

  it('closing the gateway (Ctrl-C) closes an upstream request whose error body is still arriving', async () => {
    upstream.route(stalledErrorBody(503));
    client().chatStream$(hello).subscribe({ error: () => undefined });
    const [sent] = await upstream.waitForRequests(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await gateway.close();
    await closedSoon(sent);
  });

  it("honours the request's timeout upstream: a 502 that says so, and the upstream request is closed", async () => {
    upstream.route(() => undefined); // never answers
    for (const call of [client().chat$({ ...hello, timeout: 0.3 }), client().chatStream$({ ...hello, timeout: 0.3 })]) {
      const error = await errorOf(call as Observable<unknown>);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error.detail).toBe('upstream timed out after 0.3 s');
    }
    await Promise.all(upstream.requests.map(closedSoon));
    expect(upstream.requests).toHaveLength(2);
  });

  it('an upstream error that echoes the key reaches neither the client nor the log', async () => {
    upstream.route((req, reply) => reply.json(401, { error: { message: `Invalid API key: ${req.token}` } }));
    const error = await errorOf(client().chat$(hello));
    expect(error.detail).toBe('upstream answered 401: Invalid API key: [redacted]');
    expect(logLines.join('\n')).not.toContain('sk-upstream-key');
    expect(logLines).toHaveLength(1);
  });

  it('credentials in the upstream URL are not named in a detail', async () => {
    const address = new URL(upstream.url);
    await upstream.close();
    gateway.route(forwardToOpenAi({ url: `http://user:hunter2@${address.host}/v1` }));
    const error = await errorOf(client().chat$(hello));
    expect(error.detail).toBe(`upstream unreachable at http://${address.host}/v1/chat/completions (ECONNREFUSED)`);
  });

  it('keeps a stream alive while the upstream sends only tool-call fragments (a client idle timer would fire)', async () => {
    upstream.route(async (_, reply) => {
      reply.head(200, { 'content-type': 'text/event-stream' });
      const event = (delta: object) => reply.write(`data: ${JSON.stringify({ model: 'm', choices: [{ index: 0, delta }] })}\n\n`);
      await event({ role: 'assistant', tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":"' } }] });
      for (let i = 0; i < 25; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await event({ tool_calls: [{ index: 0, function: { arguments: 'x' } }] });
      }
      await event({ tool_calls: [{ index: 0, function: { arguments: '"}' } }] });
      await reply.write('data: [DONE]\n\n');
      reply.end();
    });
    // 2.5 s of fragments and no chunk; the client gives up after 1.5 s of silence.
    const { client: patient } = clientFor(gateway, { timeoutMs: 1500 }, 'client-jwt');
    const chunks = await lastValueFrom(patient.chatStream$(hello).pipe(toArray()));
    expect(chunks.at(-1)!.toolCalls).toEqual([{ id: 'c1', name: 'f', arguments: { a: 'x'.repeat(25) } }]);
  });

  it('an upstream whose first event, after more than a second, is an error is still a 502 (no ping sent first)', async () => {
    upstream.route(async (_, reply) => {
      reply.head(200, { 'content-type': 'text/event-stream' });
      await new Promise((resolve) => setTimeout(resolve, 1200));
      await reply.write(`data: ${JSON.stringify({ error: { message: 'model failed to load' } })}\n\n`);
      reply.end();
    });
    const error = await errorOf(client().chatStream$(hello));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.detail).toBe('model failed to load');
  });

  it('a request timeout beyond the longest timer (3,000,000 s) does not fire at once', async () => {
    upstream.route(async (req, reply) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if ((req.body as { stream?: boolean }).stream) await reply.sse([contentStream], { done: false });
      else reply.json(200, { model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }] });
    });
    expect((await lastValueFrom(client().chat$({ ...hello, timeout: 3_000_000 }))).content).toBe('hi');
    const chunks = await lastValueFrom(client().chatStream$({ ...hello, timeout: 3_000_000 }).pipe(toArray()));
    expect(chunks.map((c) => c.content).join('')).toBe('Hello there, wörld!');
  });

  it('forwards an upstream stream whose media type is in another case', async () => {
    upstream.route((_, reply) => reply.text(200, contentStream, { 'content-type': 'Text/Event-Stream; charset=utf-8' }));
    const chunks = await lastValueFrom(client().chatStream$(hello).pipe(toArray()));
    expect(chunks.map((c) => c.content).join('')).toBe('Hello there, wörld!');
  });
});
