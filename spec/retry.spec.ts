/** The retry policy: marble tests of retryRequest, then the policy over the wire. */
import { BehaviorSubject, defer, map, Observable, tap, throwError, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { AuthenticationError, ClientStatus, ConnectionError, LLMProviderError } from '../lib';
import { parseRetryAfter } from '../lib/errors';
import { backoffDelayMs, retryRequest, RetryPolicy } from '../lib/retry-request';
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

/** `source` sent through retryRequest with `policy` (no refresher: a 401 is final). */
function retried<T>(source: Observable<T>, policy: RetryPolicy, hooks: { onRetry?: (s: ClientStatus) => void; random?: () => number } = {}) {
  return retryRequest(() => source, { auth: { token: () => 't' }, policy, ...hooks });
}

describe('retryRequest (marbles)', () => {
  it('re-sends after 503 and a reset with backoff, reporting each retry', () => {
    const seen: ClientStatus[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const source = attemptsOf(cold, [['-#', status(503)], ['-#', reset()], ['-a|']]);
      // random() = 0: the wait is half the exponential step: 5 ms, then 10 ms.
      const result = retried(source, { count: 3, baseDelayMs: 10 }, { onRetry: (s) => seen.push(s), random: () => 0 });
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
      expectObservable(retried(source, { count: 2, maxDelayMs: 50 })).toBe('70ms a|');
    });
  });

  it('never retries another 4xx', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = attemptsOf(cold, [['-#', status(400)], ['a|']]);
      expectObservable(retried(source, { count: 3, baseDelayMs: 1 })).toBe('-#', undefined, status(400));
    });
  });

  it('never retries once the source has emitted (no chunk is delivered twice)', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = attemptsOf(cold, [['-a-#', reset()], ['b|']]);
      expectObservable(retried(source, { count: 3, baseDelayMs: 1 })).toBe('-a-#', { a: 'a' }, reset());
    });
  });

  it('gives up with the last error when the count is spent', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = attemptsOf(cold, [['#', status(503)], ['#', status(504)], ['a|']]);
      expectObservable(retried(source, { count: 1, baseDelayMs: 10 }, { random: () => 1 })).toBe('10ms #', undefined, status(504));
    });
  });

  it('re-sends after a 504 and after a connection error that has no code, naming each', () => {
    const seen: ClientStatus[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const source = attemptsOf(cold, [['#', status(504)], ['#', new ConnectionError('socket hang up')], ['a|']]);
      // random() = 1: the whole exponential step: 10 ms, then 20 ms.
      const result = retried(source, { count: 2, baseDelayMs: 10 }, { onRetry: (s) => seen.push(s), random: () => 1 });
      expectObservable(result).toBe('30ms a|');
    });
    expect(seen.map((s) => s.reason)).toEqual(['status 504', 'connection error']);
  });
});

describe('retryRequest: the 401 re-send (marbles)', () => {
  const unauthorized = () => new AuthenticationError('Authentication failed', { status: 401 });

  /** A refresher that pushes `fresh` into token$ after 5 ms, counting its calls. */
  function fakeAuth(schedulerTime: (ms: number) => Observable<number>) {
    const token$ = new BehaviorSubject('stale');
    const auth = {
      token$,
      token: () => token$.value,
      refreshes: 0,
      refresher: {
        settled: () => auth.refreshes,
        refresh$: () =>
          defer(() => {
            auth.refreshes++;
            return schedulerTime(5);
          }).pipe(map(() => (token$.next('fresh'), 'fresh'))),
      },
    };
    return auth;
  }

  it('refreshes once and re-sends with the new token', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      const auth = fakeAuth((ms) => timer(ms));
      const sent: string[] = [];
      const result = retryRequest((token) => (sent.push(token), token === 'fresh' ? cold('-a|', { a: token }) : cold('-#', undefined, unauthorized())), { auth });
      expectObservable(result).toBe('-------a|', { a: 'fresh' });
      flush();
      expect(sent).toEqual(['stale', 'fresh']);
      expect(auth.refreshes).toBe(1);
    });
  });

  it('re-sends at once, without a refresh, when the token changed while the request was out', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      const auth = fakeAuth((ms) => timer(ms));
      const sent: string[] = [];
      const result = retryRequest((token) => {
        sent.push(token);
        if (token === 'stale') return cold('--#', undefined, unauthorized()).pipe(tap({ subscribe: () => auth.token$.next('pushed') }));
        return cold('-a|', { a: token });
      }, { auth });
      expectObservable(result).toBe('---a|', { a: 'pushed' });
      flush();
      expect(sent).toEqual(['stale', 'pushed']);
      expect(auth.refreshes).toBe(0);
    });
  });

  it('gives the second 401 as is, and the first when there is no refresher', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const auth = fakeAuth((ms) => timer(ms));
      const always401 = () => cold('-#', undefined, unauthorized());
      expectObservable(retryRequest(always401, { auth })).toBe('-------#', undefined, unauthorized());
      expectObservable(retryRequest(always401, { auth: { token: () => 't' } })).toBe('-#', undefined, unauthorized());
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
    // Whole milliseconds, as status$ shows them.
    expect(backoffDelayMs(1, undefined, policy, () => 0.123456)).toBe(56);
    expect(backoffDelayMs(1, undefined, { count: 1, baseDelayMs: 100, maxDelayMs: 80.4 }, () => 1)).toBe(80.4); // never past the cap
    // A cap beyond what a timer keeps would make the wait 1 ms.
    expect(backoffDelayMs(40, undefined, { count: 1, maxDelayMs: Number.MAX_SAFE_INTEGER }, () => 1)).toBe(2 ** 31 - 1);
    expect(backoffDelayMs(1, 2 ** 40, { count: 1, maxDelayMs: 2 ** 41 }, () => 1)).toBe(2 ** 31 - 1);
  });

  it('defaults to a first step of 500 ms and a cap of 30 s, Retry-After included', () => {
    const policy = { count: 1 };
    expect(backoffDelayMs(1, undefined, policy, () => 1)).toBe(500);
    expect(backoffDelayMs(1, undefined, policy, () => 0)).toBe(250);
    expect(backoffDelayMs(20, undefined, policy, () => 1)).toBe(30_000);
    expect(backoffDelayMs(1, 45_000, policy, () => 1)).toBe(30_000);
  });

  it('reads delay-seconds and HTTP dates', () => {
    const now = Date.parse('Wed, 25 Nov 2026 10:00:00 GMT');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:00:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('0.25', now)).toBe(250);
    // Not an HTTP date, though Date.parse reads each as one in 2001 (a delay of 0): unreadable, so backoff applies.
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter('1.5.', now)).toBeUndefined();
    expect(parseRetryAfter('2001', now)).toBe(2_001_000);
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

  it('refreshes again when the token expires again after a passing failure (401, 503, 401, 200)', async () => {
    ctx.gateway.route((req, reply) => {
      if (req.seq === 1 || req.seq === 3) return reply.json(401, { detail: 'token expired' });
      if (req.seq === 2) return reply.json(503, { detail: 'busy' }, { 'retry-after': '0' });
      reply.json(200, { content: 'done' });
    });
    let refreshes = 0;
    const { client } = clientFor(ctx.gateway, { retry: { count: 3, baseDelayMs: 1 }, refreshToken: async () => `fresh-${++refreshes}` });
    const result = await record(client.chat$(hello));
    expect(result.values.map((r) => r.content)).toEqual(['done']);
    expect(ctx.gateway.requests.map((r) => r.token)).toEqual(['token-0', 'fresh-1', 'fresh-1', 'fresh-2']);
    expect(refreshes).toBe(2);
  });

  it('bounds refreshes by the re-sends: one per run of 401s, a passing failure between runs', async () => {
    ctx.gateway.route((req, reply) => (req.seq % 2 === 1 ? reply.json(401, {}) : reply.json(503, {}, { 'retry-after': '0' })));
    let refreshes = 0;
    const { client } = clientFor(ctx.gateway, { retry: { count: 2, baseDelayMs: 1 }, refreshToken: async () => `fresh-${++refreshes}` });
    const result = await record(client.chat$(hello));
    // 401 -> refresh, 503 -> re-send 1, 401 -> refresh, 503 -> re-send 2, 401 -> refresh, 503 -> count spent
    expect((result.error as LLMProviderError).status).toBe(503);
    expect(ctx.gateway.requests).toHaveLength(6);
    expect(refreshes).toBe(3);
  });

  it('refreshes at most once per run of 401s, and a refresh does not renew the count of re-sends', async () => {
    ctx.gateway.route((req, reply) => {
      if (req.seq % 2 === 1) return reply.text(503, 'busy', { 'retry-after': '0' });
      reply.json(401, {});
    });
    let refreshes = 0;
    const { client } = clientFor(ctx.gateway, { retry: { count: 1 }, refreshToken: async () => `t${++refreshes}` });
    const seen: ClientStatus[] = [];
    client.status$.subscribe((s) => seen.push(s));
    const result = await record(client.chat$(hello));
    // 503 -> re-send (the one of count: 1), 401 -> refresh -> re-send, 503 -> the count is spent: give up.
    expect(ctx.gateway.requests).toHaveLength(3);
    expect((result.error as LLMProviderError).status).toBe(503);
    expect(refreshes).toBe(1);
    expect(seen.map((s) => s.type)).toEqual(['retrying', 'refreshing']);
  });

  it('gives the second 401 as AuthenticationError even with re-sends left', async () => {
    ctx.gateway.route((_req, reply) => reply.json(401, {}));
    let refreshes = 0;
    const { client } = clientFor(ctx.gateway, { retry: { count: 3, baseDelayMs: 1 }, refreshToken: async () => `t${++refreshes}` });
    const result = await record(client.chat$(hello));
    expect(result.error).toBeInstanceOf(AuthenticationError);
    expect(ctx.gateway.requests).toHaveLength(2);
    expect(refreshes).toBe(1);
  });

  it('does not retry a timeout', async () => {
    ctx.gateway.route(() => undefined);
    const { client } = clientFor(ctx.gateway, { retry: { count: 3, baseDelayMs: 1 }, timeoutMs: 100 });
    await record(client.chat$(hello));
    expect(ctx.gateway.requests).toHaveLength(1);
  });

  it('keeps throwError-based errors typed', async () => {
    const error = await record(retried(throwError(() => status(504)), { count: 1, baseDelayMs: 1 }));
    expect((error.error as LLMProviderError).status).toBe(504);
  });
});
