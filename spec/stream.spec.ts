/** chatStream$ against a real loopback gateway: incremental delivery, SSE edge cases, errors, cancellation. */
import { Subject, switchMap, take, tap } from 'rxjs';
import { accumulate, GatewayError, LLMProviderError, ModelNotFoundError, RequestTimeoutError, StreamChunk, StreamError } from '../lib';
import { clientFor, delay, errorOf, hello, record, useGateway } from './support/harness';

const ctx = useGateway();
const chunk = (content: string, extra: object = {}) => ({ content, model: 'm', tool_calls: [], usage: null, is_final: false, ...extra });
const contents = (chunks: StreamChunk[]) => chunks.map((c) => c.content);

describe('chatStream$', () => {
  it('POSTs to the stream endpoint and maps each chunk', async () => {
    ctx.gateway.route((_req, reply) =>
      reply.sse([
        chunk('Hel'),
        { content: 'lo', tool_calls: [{ id: 'c1', name: 'f', arguments: { a: 1 } }] },
        { is_final: true, usage: { prompt_tokens: 2, completion_tokens: 3 } },
      ]),
    );
    const { client } = clientFor(ctx.gateway, {}, 'jwt-s');
    const result = await record(client.chatStream$(hello));
    expect(result.completed).toBe(true);
    expect(result.values).toEqual([
      { content: 'Hel', model: 'm', toolCalls: [], isFinal: false },
      { content: 'lo', model: 'test-model', toolCalls: [{ id: 'c1', name: 'f', arguments: { a: 1 } }], isFinal: false },
      { content: '', model: 'test-model', toolCalls: [], isFinal: true, usage: { promptTokens: 2, completionTokens: 3 } },
    ]);
    const [sent] = ctx.gateway.requests;
    expect(sent.path).toBe('/api/v1/llm/chat/stream');
    expect(sent.headers.authorization).toBe('Bearer jwt-s');
    expect((sent.body as { model: string }).model).toBe('test-model');
  });

  it('delivers the first chunk before the server has sent the second', async () => {
    const firstSeen = new Subject<void>();
    let seenBeforeSecond = false;
    ctx.gateway.route(async (_req, reply) => {
      reply.head(200, { 'content-type': 'text/event-stream' });
      await reply.write(`data: ${JSON.stringify(chunk('one'))}\n\n`);
      // Wait (bounded) for the client to report the first chunk; only then send the second.
      seenBeforeSecond = await Promise.race([firstSeen.pipe(take(1)).toPromise().then(() => true), delay(2000).then(() => false)]);
      await reply.write(`data: ${JSON.stringify(chunk('two'))}\n\ndata: [DONE]\n\n`);
      reply.end();
    });
    const { client } = clientFor(ctx.gateway);
    const values: string[] = [];
    await new Promise<void>((resolve, reject) =>
      client.chatStream$(hello).subscribe({
        next: (c) => {
          values.push(c.content);
          if (values.length === 1) firstSeen.next();
        },
        error: reject,
        complete: resolve,
      }),
    );
    expect(values).toEqual(['one', 'two']);
    expect(seenBeforeSecond).toBe(true);
  });

  it('completes at [DONE] even when the server keeps the response open', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([chunk('a')], { end: false }));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    expect(result.completed).toBe(true);
    expect(contents(result.values)).toEqual(['a']);
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('ignores blank lines, comments and non-data fields, with %s line ends', async (_name, eol) => {
    const raw = [
      ': keep-alive comment',
      'event: message',
      'id: 7',
      'retry: 1000',
      `data:${JSON.stringify(chunk('no-space'))}`,
      '',
      '',
      `data: ${JSON.stringify(chunk('with-space'))}`,
      '',
      'data: [DONE]',
      '',
      '',
    ].join(eol);
    ctx.gateway.route((_req, reply) => reply.sse([raw], { done: false }));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    expect(result.completed).toBe(true);
    expect(contents(result.values)).toEqual(['no-space', 'with-space']);
  });

  it('reassembles bytes split anywhere, even inside multi-byte UTF-8 characters', async () => {
    const words = ['héllo ', '世界 ', '👋🏽 ', 'привет ', 'quote " and \\ and \n newline'];
    ctx.gateway.route((_req, reply) => reply.sse(words.map((w) => chunk(w)), { splitEvery: 1, eol: '\r\n' }));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    expect(result.completed).toBe(true);
    expect(contents(result.values)).toEqual(words);
  });

  it('fails with StreamError carrying the detail of an error payload', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([chunk('partial'), { error: 'upstream_failed', detail: 'provider crashed' }], { done: false }));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    expect(contents(result.values)).toEqual(['partial']);
    expect(result.error).toBeInstanceOf(StreamError);
    expect((result.error as StreamError).type).toBe('error-payload');
    expect((result.error as StreamError).detail).toBe('provider crashed');
  });

  it('skips a malformed JSON line with a warning through the logger and delivers the rest', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([chunk('a'), 'data: {not json\n\n', chunk('b')]));
    const warn = jest.fn();
    const { client } = clientFor(ctx.gateway, { logger: { warn } });
    const result = await record(client.chatStream$(hello));
    expect(result.completed).toBe(true);
    expect(contents(result.values)).toEqual(['a', 'b']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('{not json');
  });

  it('fails with StreamError when the stream ends without [DONE]', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([chunk('a'), chunk('b')], { done: false }));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    expect(contents(result.values)).toEqual(['a', 'b']);
    expect(result.error).toBeInstanceOf(StreamError);
    expect((result.error as StreamError).type).toBe('truncated');
  });

  it('accepts an end without [DONE] after a chunk marked is_final', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([chunk('a'), chunk('', { is_final: true })], { done: false }));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    expect(result.completed).toBe(true);
  });

  it('completes, not times out, when the server falls silent after a chunk marked is_final (the answer is whole)', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([chunk('a'), chunk('b', { is_final: true })], { done: false, end: false }));
    const { client } = clientFor(ctx.gateway, { timeoutMs: 150 });
    const result = await record(client.chatStream$(hello).pipe(accumulate()));
    expect(result.error).toBeUndefined();
    expect(result.values.map((r) => r.content)).toEqual(['ab']);
    await ctx.gateway.requests[0].closed; // the hung response is cut
    expect(ctx.gateway.requests[0].abortedByClient).toBe(true);
  });

  it('fails with LLMProviderError when the connection is reset mid-stream', async () => {
    ctx.gateway.route(async (_req, reply) => {
      await reply.sse([chunk('a')], { done: false, end: false });
      await delay(20);
      reply.drop();
    });
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    expect(contents(result.values)).toEqual(['a']);
    expect(result.error).toBeInstanceOf(LLMProviderError);
    expect(result.error).not.toBeInstanceOf(StreamError);
  });

  it.each([
    [404, JSON.stringify({ detail: 'unknown' }), ModelNotFoundError],
    [502, JSON.stringify({ detail: 'upstream down' }), GatewayError],
    [500, 'boom', LLMProviderError],
  ])('maps status %i on the stream endpoint as on /chat', async (status, body, errorClass) => {
    ctx.gateway.route((_req, reply) => reply.text(status, body));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chatStream$(hello));
    expect(error).toBeInstanceOf(errorClass);
    expect(error.status).toBe(status);
    if (status === 502) expect(error.detail).toBe('upstream down');
    if (status === 500) expect(error.message).toBe('Unexpected status 500: boom');
  });

  it('times out waiting for the first byte and closes the socket', async () => {
    ctx.gateway.route((_req, reply) => reply.head(200, { 'content-type': 'text/event-stream' }));
    const { client } = clientFor(ctx.gateway, { timeoutMs: 150 });
    const error = await errorOf(client.chatStream$(hello));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.phase).toBe('first-byte');
    await ctx.gateway.requests[0].closed;
    expect(ctx.gateway.requests[0].abortedByClient).toBe(true);
  });

  it('waits for the first byte as long as a request’s own longer `timeout` allows (plus 1 s)', async () => {
    ctx.gateway.route(async (_req, reply) => {
      await delay(300);
      await reply.sse([chunk('late but in time')]);
    });
    const { client } = clientFor(ctx.gateway, { timeoutMs: 100 });
    const result = await record(client.chatStream$({ ...hello, timeout: 5 }));
    expect(result.values.map((c) => c.content)).toEqual(['late but in time']);
  });

  it('times out a silence between events; keep-alive comments do not hold it open', async () => {
    ctx.gateway.route(async (_req, reply) => {
      await reply.sse([chunk('a')], { done: false, end: false });
      for (let i = 0; i < 10 && !reply.aborted; i++) {
        await reply.write(': ping\n\n');
        await delay(50);
      }
    });
    const { client } = clientFor(ctx.gateway, { timeoutMs: 200 });
    const result = await record(client.chatStream$(hello));
    expect(contents(result.values)).toEqual(['a']);
    expect(result.error).toBeInstanceOf(RequestTimeoutError);
    expect((result.error as RequestTimeoutError).phase).toBe('idle');
  });

  it('keeps going while events flow, even when the whole stream outlasts the timeout', async () => {
    // 8 events 100 ms apart: 700+ ms in all against a 400 ms timeout (margins wide enough for a busy CI).
    ctx.gateway.route((_req, reply) => reply.sse(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((w) => chunk(w)), { delayMs: 100 }));
    const { client } = clientFor(ctx.gateway, { timeoutMs: 400 });
    const result = await record(client.chatStream$(hello));
    expect(result.completed).toBe(true);
    expect(result.values).toHaveLength(8);
  });
});

describe('the idle timeout and the wall clock', () => {
  // An NTP step, a VM's or a laptop's resume moves Date.now(); the silence of a stream is measured on a
  // monotonic clock, so neither a step back (a dead stream held open) nor forward (a live one cut) moves it.
  const realNow = Date.now;
  afterEach(() => {
    Date.now = realNow;
  });
  const stepClockBy = (ms: number) => {
    Date.now = () => realNow.call(Date) + ms;
  };

  it('a step back does not hold a stalled stream open', async () => {
    ctx.gateway.route(async (_req, reply) => {
      reply.head(200, { 'content-type': 'text/event-stream' });
      await reply.write(`data: ${JSON.stringify(chunk('a'))}\n\n`); // then stalls
    });
    const { client } = clientFor(ctx.gateway, { timeoutMs: 300 });
    const started = performance.now();
    const error = await new Promise<unknown>((resolve) =>
      client.chatStream$(hello).subscribe({ next: () => setTimeout(() => stepClockBy(-5000), 50), error: resolve }),
    );
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(performance.now() - started).toBeLessThan(3000); // 300 ms and some; 5,300 ms when it followed the clock
  });

  it('a step forward does not cut a live stream', async () => {
    // Events 600 ms apart, 1 s allowed: the timer's check at 1.6 s falls between the step (just after the
    // third event, at 1.2 s) and the fourth event.
    ctx.gateway.route((_req, reply) => reply.sse(['0', '1', '2', '3', '4'].map((w) => chunk(w)), { delayMs: 600 }));
    const { client } = clientFor(ctx.gateway, { timeoutMs: 1000 });
    const result = await record(client.chatStream$(hello).pipe(tap((c) => c.content === '2' && setTimeout(() => stepClockBy(60_000), 20))));
    expect(result.error).toBeUndefined();
    expect(contents(result.values)).toEqual(['0', '1', '2', '3', '4']);
  });
});

describe('chatStream$ cancellation', () => {
  /** A gateway reply that streams a numbered chunk every 20 ms until the client goes away. */
  const endless = () =>
    ctx.gateway.route(async (req, reply) => {
      const prompt = (req.body as { messages: Array<{ content: string }> }).messages[0].content;
      reply.head(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; !reply.aborted && i < 500; i++) {
        await reply.write(`data: ${JSON.stringify(chunk(prompt === 'hello' ? String(i) : `${prompt}:${i}`))}\n\n`);
        await delay(20);
      }
    });

  it('aborts the HTTP request on unsubscribe mid-stream; nothing is delivered after', async () => {
    endless();
    const { client } = clientFor(ctx.gateway);
    const seen: string[] = [];
    const subscription = client.chatStream$(hello).subscribe((c) => {
      seen.push(c.content);
    });
    await delay(100);
    const unsubscribedAt = performance.now();
    subscription.unsubscribe();
    const countAtUnsubscribe = seen.length;
    const [sent] = ctx.gateway.requests;
    const closedAt = await sent.closed;
    expect(sent.abortedByClient).toBe(true);
    expect(closedAt - unsubscribedAt).toBeLessThan(1000);
    await delay(100);
    expect(seen.length).toBe(countAtUnsubscribe);
    expect(countAtUnsubscribe).toBeGreaterThan(0);
  });

  it('aborts the HTTP request after take(n)', async () => {
    endless();
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello).pipe(take(3)));
    expect(contents(result.values)).toEqual(['0', '1', '2']);
    const [sent] = ctx.gateway.requests;
    await sent.closed;
    expect(sent.abortedByClient).toBe(true);
  });

  it('aborts the superseded request when switchMap moves to a newer one', async () => {
    endless();
    const { client } = clientFor(ctx.gateway);
    const prompts = new Subject<string>();
    const seen: string[] = [];
    const subscription = prompts
      .pipe(switchMap((p) => client.chatStream$({ ...hello, messages: [{ role: 'user', content: p }] })))
      .subscribe((c) => seen.push(c.content));
    prompts.next('first');
    const [first] = await ctx.gateway.waitForRequests(1);
    await delay(60);
    prompts.next('second');
    const switchedAt = seen.length;
    await first.closed;
    expect(first.abortedByClient).toBe(true);
    const [, second] = await ctx.gateway.waitForRequests(2);
    await delay(100);
    expect(second.abortedByClient).toBeFalsy();
    expect(seen.slice(0, switchedAt).every((c) => c.startsWith('first:'))).toBe(true);
    expect(switchedAt).toBeGreaterThan(0);
    expect(seen.slice(switchedAt).length).toBeGreaterThan(0);
    expect(seen.slice(switchedAt).every((c) => c.startsWith('second:'))).toBe(true);
    subscription.unsubscribe();
    await second.closed;
    expect(second.abortedByClient).toBe(true);
  });
});
