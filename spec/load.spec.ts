/**
 * Load: the shared refresh under 1,000 concurrent streams, and 5,000 subscribe / unsubscribe cycles that
 * must close every socket and leak no memory.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { map, timer } from 'rxjs';
import { AuthenticationError } from '../lib';
import type { GatewayHandler } from '../lib/testing';
import { clientFor, delay, hello, record, useGateway } from './support/harness';

const ctx = useGateway();
const CHUNKS = ['0', '1', '2', '3', '4'];

function streamFor(validToken: string): GatewayHandler {
  return (req, reply) => {
    if (req.token !== validToken) return reply.json(401, { detail: 'expired' });
    return reply.sse([...CHUNKS.map((content) => ({ content })), { is_final: true }]);
  };
}

describe('1,000 concurrent streams that all get 401', () => {
  it('cause exactly ONE refresh, and all 1,000 then complete with every chunk in order', async () => {
    ctx.gateway.route(streamFor('fresh'));
    let refreshes = 0;
    const { client } = clientFor(ctx.gateway, { refreshToken: () => timer(20).pipe(map(() => (refreshes++, 'fresh'))) }, 'stale');
    const results = await Promise.all(Array.from({ length: 1000 }, () => record(client.chatStream$(hello))));
    expect(refreshes).toBe(1);
    const complete = results.filter((r) => r.completed && r.values.map((c) => c.content).join(',') === `${CHUNKS.join(',')},`);
    expect(complete).toHaveLength(1000);
    expect(ctx.gateway.requests).toHaveLength(2000);
  }, 60_000);

  it('all fail with AuthenticationError when the refresh fails, none hangs', async () => {
    ctx.gateway.route(streamFor('never-valid'));
    let refreshes = 0;
    const refreshToken = () => timer(20).pipe(map((): string => { refreshes++; throw new Error('refresh endpoint down'); }));
    const { client } = clientFor(ctx.gateway, { refreshToken, timeoutMs: 10_000 }, 'stale');
    const results = await Promise.all(Array.from({ length: 1000 }, () => record(client.chatStream$(hello))));
    expect(results.filter((r) => r.error instanceof AuthenticationError)).toHaveLength(1000);
    expect(refreshes).toBe(1);
  }, 60_000);
});

describe('5,000 subscribe / unsubscribe-mid-stream cycles', () => {
  function collectGarbage(): () => void {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  }

  it('close 5,000 sockets on the gateway and grow the heap by less than 10 MB', async () => {
    ctx.gateway.route(async (_req, reply) => {
      reply.head(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < 1000 && !reply.aborted; i++) {
        await reply.write(`data: {"content":"${i}"}\n\n`);
        await delay(5);
      }
    });
    const { client } = clientFor(ctx.gateway);
    const gc = collectGarbage();
    let closed = 0;
    const cycle = () =>
      new Promise<void>((resolve, reject) => {
        const subscription = client.chatStream$(hello).subscribe({
          next: () => {
            subscription.unsubscribe();
            resolve();
          },
          error: reject,
        });
      });
    const batch = async (size: number) => {
      await Promise.all(Array.from({ length: size }, cycle));
      const requests = ctx.gateway.requests.splice(0);
      await Promise.all(requests.map((r) => r.closed));
      closed += requests.filter((r) => r.abortedByClient).length;
    };
    // Warm up (JIT, pools, sockets), then measure from a collected heap.
    for (let i = 0; i < 10; i++) await batch(50);
    closed = 0;
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100; i++) await batch(50);
    await delay(50);
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    expect(closed).toBe(5000);
    expect(growth).toBeLessThan(10 * 1024 * 1024);
    console.log(`5,000 cycles: ${closed} sockets closed, heap growth ${(growth / 1024 / 1024).toFixed(2)} MB`);
  }, 120_000);
});
