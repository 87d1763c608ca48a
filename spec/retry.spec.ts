/** Transient retries: marble tests of the operator, then the policy over the wire. */
import { defer, Observable, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { AuthenticationError, ClientStatus, ConnectionError, LLMProviderError } from '../lib';
import { parseRetryAfter } from '../lib/errors';
import { backoffDelayMs, retryTransient } from '../lib/retry-transient';
import { clientFor, hello, record, useGateway } from './support/harness';

const status = (code: number, retryAfterMs?: number) => new LLMProviderError(`status ${code}`, { status: code, retryAfterMs });
const reset = () => new ConnectionError('reset', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** A source whose n-th subscription behaves as `attempts[n]` (a marble run in the current TestScheduler). */
function attemptsOf(cold: (marbles: string, values?: Record<string, string>, error?: unknown) => Observable<string>, attempts: Array<[string, unknown?]>) {
  let n = 0;
  return defer(() => {
    const [marbles, error] = attempts[Math.min(n++, attempts.length - 1)];
    return cold(marbles, { a: 'a', b: 'b' }, error);
  });
}

describe('retryTransient (marbles)', () => {
  it('re-sends after 503 and a reset with backoff, reporting each retry', () => {
    const seen: ClientStatus[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const source = attemptsOf(cold, [['-#', status(503)], ['-#', reset()], ['-a|']]);
      // random() = 0: the wait is half the exponential step: 5 ms, then 10 ms.
      const result = source.pipe(retryTransient({ count: 3, baseDelayMs: 10 }, { onRetry: (s) => seen.push(s), random: () => 0 }));
      expectObservable(result).toBe('18ms a|');
    });
    expect(seen).toEqual([
      { type: 'retrying', attempt: 1, delayMs: 5, reason: 'status 503' },
      { type: 'retrying', attempt: 2, delayMs: 10, reason: 'ECONNRESET' },
    ]);
  });

  it('honours Retry-After, capped by maxDelayMs', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = attemptsOf(cold, [['#', status(429, 20)], ['#', status(503, 5000)], ['a|']]);
      expectObservable(source.pipe(retryTransient({ count: 2, maxDelayMs: 50 }))).toBe('70ms a|');
    });
  });

  it('never retries another 4xx', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = attemptsOf(cold, [['-#', status(400)], ['a|']]);
      expectObservable(source.pipe(retryTransient({ count: 3, baseDelayMs: 1 }))).toBe('-#', undefined, status(400));
    });
  });

  it('never retries once the source has emitted (no chunk is delivered twice)', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = attemptsOf(cold, [['-a-#', reset()], ['b|']]);
      expectObservable(source.pipe(retryTransient({ count: 3, baseDelayMs: 1 }))).toBe('-a-#', { a: 'a' }, reset());
    });
  });

  it('gives up with the last error when the count is spent', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = attemptsOf(cold, [['#', status(503)], ['#', status(504)], ['a|']]);
      expectObservable(source.pipe(retryTransient({ count: 1, baseDelayMs: 10 }, { random: () => 1 }))).toBe('10ms #', undefined, status(504));
    });
  });
});

describe('backoff and Retry-After', () => {
  it('doubles the step and keeps the jitter within [step/2, step], capped', () => {
    const policy = { count: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3].map((n) => backoffDelayMs(n, undefined, policy, () => 0))).toEqual([50, 100, 200]);
    expect([1, 2, 3].map((n) => backoffDelayMs(n, undefined, policy, () => 1))).toEqual([100, 200, 400]);
    expect(backoffDelayMs(10, undefined, policy, () => 1)).toBe(1000);
    expect(backoffDelayMs(1, 250, policy, () => 1)).toBe(250);
  });

  it('reads delay-seconds and HTTP dates', () => {
    const now = Date.parse('Wed, 25 Nov 2026 10:00:00 GMT');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:00:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('retry over the wire', () => {
  const ctx = useGateway();

  it('is off by default: a 503 fails at once', async () => {
    ctx.gateway.route((_req, reply) => reply.text(503, 'busy'));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chat$(hello));
    expect((result.error as LLMProviderError).status).toBe(503);
    expect(ctx.gateway.requests).toHaveLength(1);
  });

  it('re-sends after 503 (Retry-After: 0) and 429, reporting on status$', async () => {
    ctx.gateway.route((req, reply) => {
      if (req.seq === 1) return reply.text(503, 'busy', { 'retry-after': '0' });
      if (req.seq === 2) return reply.json(429, { detail: 'slow down' }, { 'retry-after': '0' });
      reply.json(200, { content: 'finally' });
    });
    const { client } = clientFor(ctx.gateway, { retry: { count: 3, baseDelayMs: 5 } });
    const seen: ClientStatus[] = [];
    client.status$.subscribe((s) => seen.push(s));
    const result = await record(client.chat$(hello));
    expect(result.values[0].content).toBe('finally');
    expect(ctx.gateway.requests).toHaveLength(3);
    expect(seen).toEqual([
      { type: 'retrying', attempt: 1, delayMs: 0, reason: 'status 503' },
      { type: 'retrying', attempt: 2, delayMs: 0, reason: 'status 429' },
    ]);
  });

  it('never re-sends on 404, and never a stream that has delivered a chunk', async () => {
    ctx.gateway.route(async (req, reply) => {
      if (req.path.endsWith('/chat')) return reply.json(404, {});
      await reply.sse([{ content: 'once' }], { done: false, end: false });
      setTimeout(() => reply.drop(), 20);
    });
    const { client } = clientFor(ctx.gateway, { retry: { count: 3, baseDelayMs: 1 } });
    const chat = await record(client.chat$(hello));
    expect((chat.error as LLMProviderError).status).toBe(404);
    const stream = await record(client.chatStream$(hello));
    expect(stream.values.map((c) => c.content)).toEqual(['once']);
    expect(stream.error).toBeInstanceOf(ConnectionError);
    expect(ctx.gateway.requests).toHaveLength(2);
  });

  it('re-sends a stream whose connection failed before its first event', async () => {
    ctx.gateway.route((req, reply) => (req.seq === 1 ? reply.drop() : reply.sse([{ content: 'ok' }])));
    const { client } = clientFor(ctx.gateway, { retry: { count: 2, baseDelayMs: 1 } });
    const result = await record(client.chatStream$(hello));
    expect(result.values.map((c) => c.content)).toEqual(['ok']);
    expect(ctx.gateway.requests).toHaveLength(2);
  });

  it('still refreshes at most once per request when retries and 401s mix', async () => {
    ctx.gateway.route((req, reply) => {
      if (req.seq % 2 === 1) return reply.text(503, 'busy', { 'retry-after': '0' });
      reply.json(401, {});
    });
    let refreshes = 0;
    const { client } = clientFor(ctx.gateway, { retry: { count: 1 }, refreshToken: async () => `t${++refreshes}` });
    const seen: ClientStatus[] = [];
    client.status$.subscribe((s) => seen.push(s));
    const result = await record(client.chat$(hello));
    expect(result.error).toBeInstanceOf(AuthenticationError);
    expect(refreshes).toBe(1);
    expect(seen.filter((s) => s.type === 'refreshing')).toHaveLength(1);
    // 503, 401 -> refresh -> 503, 401 -> give up.
    expect(ctx.gateway.requests).toHaveLength(4);
  });

  it('does not retry a timeout', async () => {
    ctx.gateway.route(() => undefined);
    const { client } = clientFor(ctx.gateway, { retry: { count: 3, baseDelayMs: 1 }, timeoutMs: 100 });
    await record(client.chat$(hello));
    expect(ctx.gateway.requests).toHaveLength(1);
  });

  it('keeps throwError-based errors typed', async () => {
    const error = await record(throwError(() => status(504)).pipe(retryTransient({ count: 1, baseDelayMs: 1 })));
    expect((error.error as LLMProviderError).status).toBe(504);
  });
});
