/**
 * The load scenarios of spec/load.spec.ts, run in a child process of their own (`node --expose-gc --import
 * tsx`): jest's open-handle detection records a stack trace for every async resource, which makes thousands
 * of sockets crawl, and a heap measured beside jest's own would measure jest. Prints one JSON line.
 */
import { BehaviorSubject, map, Observable, timer } from 'rxjs';
import { LlmGatewayClient, StreamChunk } from '../../lib';
import { GatewayHandler, startTestGateway } from '../../lib/testing';

const hello = { model: 'test-model', messages: [{ role: 'user', content: 'hello' }] };
const CHUNKS = ['0', '1', '2', '3', '4'];

/** Counts outcomes by kind: `complete` (every chunk, in order) or the error's name, message and cause code. */
function tally(results: Array<{ values: string[]; error?: unknown }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { values, error } of results) {
    const e = error as (Error & { cause?: { code?: string } }) | undefined;
    const kind = e ? `${e.name}: ${e.message} ${e.cause?.code ?? ''}`.trim() : values.join(',') === `${CHUNKS.join(',')},` ? 'complete' : `got ${values.join(',')}`;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

function settle(source: Observable<StreamChunk>): Promise<{ values: string[]; error?: unknown }> {
  return new Promise((resolve) => {
    const values: string[] = [];
    source.subscribe({ next: (c) => values.push(c.content), error: (error: unknown) => resolve({ values, error }), complete: () => resolve({ values }) });
  });
}

function streamFor(validToken: string): GatewayHandler {
  return (req, reply) => {
    if (req.token !== validToken) return reply.json(401, { detail: 'expired' });
    return reply.sse([...CHUNKS.map((content) => ({ content })), { is_final: true }]);
  };
}

async function concurrent401(refreshFails: boolean) {
  const gateway = await startTestGateway();
  try {
    gateway.route(streamFor('fresh'));
    let refreshes = 0;
    const refreshToken = () =>
      timer(20).pipe(
        map(() => {
          refreshes++;
          if (refreshFails) throw new Error('refresh endpoint down');
          return 'fresh';
        }),
      );
    const client = new LlmGatewayClient({ serverUrl: gateway.url, token$: new BehaviorSubject('stale'), refreshToken });
    const results = await Promise.all(Array.from({ length: 1000 }, () => settle(client.chatStream$(hello))));
    return { refreshes, outcomes: tally(results), requests: gateway.requests.length };
  } finally {
    await gateway.close();
  }
}

async function cycles() {
  const gateway = await startTestGateway();
  try {
    gateway.route(async (_req, reply) => {
      reply.head(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < 1000 && !reply.aborted; i++) {
        await reply.write(`data: {"content":"${i}"}\n\n`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    const client = new LlmGatewayClient({ serverUrl: gateway.url, token$: new BehaviorSubject('t') });
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run with --expose-gc');
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
      const requests = gateway.requests.splice(0);
      await Promise.all(requests.map((r) => r.closed));
      closed += requests.filter((r) => r.abortedByClient).length;
    };
    // Warm up (JIT, pools), then measure from a collected heap.
    for (let i = 0; i < 10; i++) await batch(50);
    closed = 0;
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100; i++) await batch(50);
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
    return { cycles: 5000, closed, heapGrowthBytes: process.memoryUsage().heapUsed - before };
  } finally {
    await gateway.close();
  }
}

const scenarios: Record<string, () => Promise<unknown>> = {
  'concurrent-401': () => concurrent401(false),
  'concurrent-401-failing-refresh': () => concurrent401(true),
  cycles,
};

const scenario = scenarios[process.argv[2]];
if (!scenario) {
  console.error(`unknown scenario ${process.argv[2]}; one of ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
scenario().then(
  (result) => console.log(JSON.stringify(result)),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
