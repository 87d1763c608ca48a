/**
 * Clients that share one `token$` share its refresh. An app may build a client per feature over its one auth
 * service; refreshing once per client would spend the refresh token once per client, and a server that rotates
 * refresh tokens (each one good once, a reuse revoking the session) would log the user out.
 */
import { BehaviorSubject, filter, firstValueFrom } from 'rxjs';
import { AuthenticationError, LlmGatewayClient, RequestTimeoutError } from '../lib';
import { errorOf, hello, useGateway } from './support/harness';

const ctx = useGateway();

/** A refresh the test settles by hand, counting its calls across every client that uses it. */
function heldRefresh() {
  let settle!: { resolve: (token: string) => void; reject: (error: Error) => void };
  const pending = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  const counter = { calls: 0 };
  return { counter, refreshToken: () => (counter.calls++, pending), settle: () => settle };
}

/** Resolves when `client` has begun waiting on a refresh. */
function refreshing(client: LlmGatewayClient): Promise<unknown> {
  return firstValueFrom(client.status$.pipe(filter((status) => status.type === 'refreshing')));
}

function twoClients(token$: BehaviorSubject<string>, refreshToken: () => Promise<string>) {
  const make = () => new LlmGatewayClient({ serverUrl: ctx.gateway.url, token$, refreshToken });
  return [make(), make()] as const;
}

describe('clients sharing one token$', () => {
  it('refresh once when both get 401 while a refresh is in flight: requests === 4, refreshes === 1', async () => {
    ctx.gateway.route((req, reply) => {
      if (req.token !== 'fresh') return reply.json(401, {});
      return req.path.endsWith('/stream') ? reply.sse([{ content: 'ok', is_final: true }]) : reply.json(200, { content: 'ok' });
    });
    const token$ = new BehaviorSubject('stale');
    const pushed: string[] = [];
    token$.subscribe((token) => pushed.push(token));
    const held = heldRefresh();
    const [a, b] = twoClients(token$, held.refreshToken);

    const answers = Promise.all([firstValueFrom(a.chat$(hello)), firstValueFrom(b.chatStream$(hello))]);
    await Promise.all([refreshing(a), refreshing(b)]);
    held.settle().resolve('fresh');
    const [answer, chunk] = await answers;

    expect([answer.content, chunk.content]).toEqual(['ok', 'ok']);
    expect(held.counter.calls).toBe(1);
    expect(ctx.gateway.requests.map((r) => r.token)).toEqual(['stale', 'stale', 'fresh', 'fresh']);
    // The new token is pushed once, not once per client.
    expect(pushed).toEqual(['stale', 'fresh']);
  });

  it('fail together when the one shared refresh fails', async () => {
    ctx.gateway.route((_req, reply) => reply.json(401, {}));
    const token$ = new BehaviorSubject('stale');
    const held = heldRefresh();
    const [a, b] = twoClients(token$, held.refreshToken);

    const errors = Promise.all([errorOf(a.chat$(hello)), errorOf(b.chat$(hello))]);
    await Promise.all([refreshing(a), refreshing(b)]);
    held.settle().reject(new Error('refresh token revoked'));

    for (const error of await errors) {
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.message).toMatch(/refresh token revoked/);
    }
    expect(held.counter.calls).toBe(1);
    expect(ctx.gateway.requests).toHaveLength(2);
    expect(token$.value).toBe('stale');
  });

  it("keep the call for the other when one gives up on it (its own timeout)", async () => {
    ctx.gateway.route((req, reply) => (req.token === 'fresh' ? reply.json(200, { content: 'ok' }) : reply.json(401, {})));
    const token$ = new BehaviorSubject('stale');
    const held = heldRefresh();
    const hasty = new LlmGatewayClient({ serverUrl: ctx.gateway.url, token$, refreshToken: held.refreshToken, timeoutMs: 300 });
    const patient = new LlmGatewayClient({ serverUrl: ctx.gateway.url, token$, refreshToken: held.refreshToken });

    const answer = firstValueFrom(patient.chat$(hello));
    await refreshing(patient);
    const error = await errorOf(hasty.chat$(hello));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.cause).toBeInstanceOf(RequestTimeoutError);
    held.settle().resolve('fresh');

    expect((await answer).content).toBe('ok');
    expect(held.counter.calls).toBe(1);
  });

  it('each refresh again after a shared one settled (a later 401 is a new expiry)', async () => {
    let valid = 'fresh-1';
    ctx.gateway.route((req, reply) => (req.token === valid ? reply.json(200, { content: req.token }) : reply.json(401, {})));
    let calls = 0;
    const token$ = new BehaviorSubject('stale');
    const [a, b] = twoClients(token$, async () => `fresh-${++calls}`);

    expect((await firstValueFrom(a.chat$(hello))).content).toBe('fresh-1');
    valid = 'fresh-2';
    expect((await firstValueFrom(b.chat$(hello))).content).toBe('fresh-2');
    expect(calls).toBe(2);
  });
});
