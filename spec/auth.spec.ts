/** The 401 path against a real gateway: one refresh, shared by every request that waits on it. */
import { defer, firstValueFrom, forkJoin, of, throwError, timer, map } from 'rxjs';
import { AuthenticationError, ClientStatus, LLMProviderError, RequestTimeoutError } from '../lib';
import type { GatewayHandler } from '../lib/testing';
import { clientFor, errorOf, hello, record, useGateway } from './support/harness';

const ctx = useGateway();

/** Answers 401 unless the request carries `valid`; counts nothing itself (the gateway records requests). */
function acceptOnly(valid: () => string, stream = false): GatewayHandler {
  return (req, reply) => {
    if (req.token !== valid()) return reply.json(401, { detail: 'token expired' });
    if (stream) return reply.sse([{ content: `for ${req.token}` }, { is_final: true }]);
    return reply.json(200, { content: `for ${req.token}` });
  };
}

describe('401 handling', () => {
  it('refreshes once, pushes the new token into token$, and re-sends with it', async () => {
    ctx.gateway.route(acceptOnly(() => 'fresh'));
    let refreshes = 0;
    const { client, token$ } = clientFor(ctx.gateway, { refreshToken: async () => (refreshes++, 'fresh') }, 'stale');
    const result = await record(client.chat$(hello));
    expect(result.values.map((r) => r.content)).toEqual(['for fresh']);
    expect(refreshes).toBe(1);
    expect(token$.value).toBe('fresh');
    expect(ctx.gateway.requests.map((r) => r.token)).toEqual(['stale', 'fresh']);
  });

  it('refreshes and re-sends on the stream endpoint too', async () => {
    ctx.gateway.route(acceptOnly(() => 'fresh', true));
    let refreshes = 0;
    const { client } = clientFor(ctx.gateway, { refreshToken: () => (refreshes++, of('fresh')) }, 'stale');
    const result = await record(client.chatStream$(hello));
    expect(result.values[0].content).toBe('for fresh');
    expect(refreshes).toBe(1);
    expect(ctx.gateway.requests).toHaveLength(2);
  });

  it('gives AuthenticationError when the re-sent request gets 401 again: requests === 2, refreshes === 1', async () => {
    ctx.gateway.route((_req, reply) => reply.json(401, { detail: 'nope' }));
    let refreshes = 0;
    const { client } = clientFor(ctx.gateway, { refreshToken: async () => `fresh-${++refreshes}` }, 'stale');
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.status).toBe(401);
    expect(ctx.gateway.requests).toHaveLength(2);
    expect(refreshes).toBe(1);
  });

  it('gives AuthenticationError at the first 401 when no refreshToken is configured', async () => {
    ctx.gateway.route((_req, reply) => reply.json(401, { detail: 'nope' }));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(ctx.gateway.requests).toHaveLength(1);
  });

  it.each([
    ['throws', () => { throw new Error('refresh threw'); }],
    ['rejects', () => Promise.reject(new Error('refresh rejected'))],
    ['errors', () => throwError(() => new Error('refresh errored'))],
    ['completes empty', () => defer(() => of<string>())],
  ])('gives AuthenticationError with the cause when refreshToken %s', async (_how, refreshToken) => {
    ctx.gateway.route((_req, reply) => reply.json(401, {}));
    const { client } = clientFor(ctx.gateway, { refreshToken: refreshToken as () => Promise<string> });
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toMatch(/Token refresh failed/);
    // The 401 the refresh could not cure: its status and request.
    expect(error.status).toBe(401);
    expect(error.request).toEqual({ method: 'POST', url: `${ctx.gateway.url}/api/v1/llm/chat` });
    expect(ctx.gateway.requests).toHaveLength(1);
  });

  it.each([
    ['completes without a value', () => of<string>()],
    ['resolves to an empty string', () => Promise.resolve('')],
    ['resolves to something not a string', () => Promise.resolve(undefined as unknown as string)],
  ])('says what went wrong when refreshToken %s', async (_how, refreshToken) => {
    ctx.gateway.route((_req, reply) => reply.json(401, {}));
    const { client } = clientFor(ctx.gateway, { refreshToken });
    expect((await errorOf(client.chat$(hello))).message).toBe('Token refresh failed: refreshToken gave no token');
  });

  it('shares ONE refresh among 50 concurrent requests that all get 401, and all 50 then succeed', async () => {
    let valid = 'token-0';
    ctx.gateway.route(acceptOnly(() => valid));
    valid = 'token-1';
    let refreshes = 0;
    const refreshToken = () => timer(30).pipe(map(() => (refreshes++, 'token-1')));
    const { client } = clientFor(ctx.gateway, { refreshToken }, 'token-0');
    const answers = await firstValueFrom(forkJoin(Array.from({ length: 50 }, () => client.chat$(hello))));
    expect(answers).toHaveLength(50);
    expect(answers.every((a) => a.content === 'for token-1')).toBe(true);
    expect(refreshes).toBe(1);
    expect(ctx.gateway.requests.filter((r) => r.token === 'token-0')).toHaveLength(50);
    expect(ctx.gateway.requests.filter((r) => r.token === 'token-1')).toHaveLength(50);
  });

  it('fails all 50 waiting requests cleanly when the shared refresh fails', async () => {
    ctx.gateway.route((_req, reply) => reply.json(401, {}));
    let refreshes = 0;
    const refreshToken = () => timer(20).pipe(map(() => { refreshes++; throw new Error('refresh server down'); }));
    const { client } = clientFor(ctx.gateway, { refreshToken: refreshToken as never });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => record<unknown>(i % 2 ? client.chat$(hello) : client.chatStream$(hello))));
    expect(results.every((r) => r.error instanceof AuthenticationError)).toBe(true);
    expect(refreshes).toBe(1);
    // One shared refresh, but each request's error is its own and names that request.
    expect(new Set(results.map((r) => r.error)).size).toBe(50);
    expect(results.map((r) => (r.error as AuthenticationError).request?.url.endsWith('/stream'))).toEqual(results.map((_, i) => i % 2 === 0));
  });

  it('re-sends a late 401 with the token a finished refresh already stored, without a second refresh', async () => {
    // A and B are sent with token-0. A's 401 comes at once and triggers the refresh; B's 401 is held back
    // until that refresh has replaced the token, so B must retry with token-1 without refreshing again.
    let releaseB: () => void = () => undefined;
    const bHeld = new Promise<void>((resolve) => (releaseB = resolve));
    ctx.gateway.route(async (req, reply) => {
      const name = (req.body as { messages: Array<{ content: string }> }).messages[0].content;
      if (req.token === 'token-1') return reply.json(200, { content: `${name} ok` });
      if (name === 'B') await bHeld;
      reply.json(401, {});
    });
    let refreshes = 0;
    const { client, token$ } = clientFor(ctx.gateway, { refreshToken: async () => (refreshes++, 'token-1') });
    const ask = (content: string) => record(client.chat$({ ...hello, messages: [{ role: 'user', content }] }));
    const a = ask('A');
    const b = ask('B');
    expect((await a).values[0].content).toBe('A ok');
    expect(token$.value).toBe('token-1');
    releaseB();
    expect((await b).values[0].content).toBe('B ok');
    expect(refreshes).toBe(1);
    const bTokens = ctx.gateway.requests
      .filter((r) => (r.body as { messages: Array<{ content: string }> }).messages[0].content === 'B')
      .map((r) => r.token);
    expect(bTokens).toEqual(['token-0', 'token-1']);
  });

  it('starts a new refresh for a 401 that comes after an earlier refresh settled', async () => {
    let valid = 'token-1';
    ctx.gateway.route(acceptOnly(() => valid));
    let refreshes = 0;
    const { client } = clientFor(ctx.gateway, { refreshToken: async () => `token-${++refreshes}` });
    await record(client.chat$(hello));
    valid = 'token-2';
    const second = await record(client.chat$(hello));
    expect(second.values[0].content).toBe('for token-2');
    expect(refreshes).toBe(2);
  });

  it('bounds a refresh that never answers by the timeout; the waiting requests fail cleanly', async () => {
    ctx.gateway.route((_req, reply) => reply.json(401, {}));
    const { client } = clientFor(ctx.gateway, { refreshToken: () => new Promise<string>(() => undefined), timeoutMs: 150 });
    const results = await Promise.all([record(client.chat$(hello)), record(client.chatStream$(hello))]);
    for (const r of results) {
      expect(r.error).toBeInstanceOf(AuthenticationError);
      expect((r.error as LLMProviderError).message).toMatch(/timeout/i);
      expect((r.error as LLMProviderError).status).toBe(401);
      expect((r.error as Error).cause).toBeInstanceOf(RequestTimeoutError);
      expect(((r.error as Error).cause as RequestTimeoutError).phase).toBe('refresh');
    }
  });

  it('reports one refresh on status$ as it starts: attempt 1, no delay, reason 401', async () => {
    ctx.gateway.route(acceptOnly(() => 'fresh'));
    const { client } = clientFor(ctx.gateway, { refreshToken: async () => 'fresh' }, 'stale');
    const seen: ClientStatus[] = [];
    const watching = client.status$.subscribe((s) => seen.push(s));
    const result = await record(client.chat$(hello));
    watching.unsubscribe();
    expect(result.values.map((r) => r.content)).toEqual(['for fresh']);
    expect(seen).toEqual([{ type: 'refreshing', attempt: 1, delayMs: 0, reason: '401' }]);
  });

  it('emits refresh notes through the logger, never the token', async () => {
    ctx.gateway.route(acceptOnly(() => 'secret-fresh-token'));
    const lines: string[] = [];
    const logger = { warn: (m: string) => lines.push(m), debug: (m: string) => lines.push(m) };
    const { client } = clientFor(ctx.gateway, { refreshToken: async () => 'secret-fresh-token', logger }, 'secret-stale-token');
    await record(client.chat$(hello));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toMatch(/secret/);
  });

  it('does not warn of a failed refresh that the waiting requests error with (said once, not twice)', async () => {
    ctx.gateway.route((_req, reply) => reply.json(401, {}));
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m) };
    const { client } = clientFor(ctx.gateway, { refreshToken: () => Promise.reject(new Error('refresh endpoint down')), logger });
    const errors = await Promise.all([errorOf(client.chat$(hello)), errorOf(client.chatStream$(hello))]);
    expect(errors.map((e) => e.message)).toEqual(['Token refresh failed: refresh endpoint down', 'Token refresh failed: refresh endpoint down']);
    expect(warnings).toEqual([]);
  });

  it('warns of a failed refresh when every request waiting on it had unsubscribed', async () => {
    ctx.gateway.route((_req, reply) => reply.json(401, {}));
    const warnings: string[] = [];
    let fail!: (error: Error) => void;
    const { client } = clientFor(ctx.gateway, {
      refreshToken: () => new Promise<string>((_resolve, reject) => (fail = reject)),
      logger: { warn: (m) => warnings.push(m) },
    });
    const waiting = client.chat$(hello).subscribe({ error: () => undefined });
    await firstValueFrom(client.status$); // the refresh started
    waiting.unsubscribe();
    fail(new Error('refresh endpoint down'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual(['Token refresh failed, no request waiting: refresh endpoint down']);
  });
});

describe('token$', () => {
  it('is read for every request, so a token pushed by the app is used at once', async () => {
    ctx.gateway.route((req, reply) => reply.json(200, { content: req.token }));
    const { client, token$ } = clientFor(ctx.gateway, {}, 'one');
    const first = await record(client.chat$(hello));
    token$.next('two');
    const second = await record(client.chat$(hello));
    expect([first, second].map((r) => r.values[0].content)).toEqual(['one', 'two']);
  });
});
