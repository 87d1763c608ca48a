/**
 * Latencies, in a client process that forks its own bench gateway (so the server's "closed" report reaches
 * it in one IPC hop). On `{ type: 'run', dir, ttfcSamples, abortSamples }` answers with:
 * - time to first chunk on a reused keep-alive connection, interleaved: `chatStream$`, node:http, and for
 *   scale axios alone (the request our transport makes, without the library) and fetch;
 * - unsubscribe -> the server seeing the request closed, for `chatStream$`;
 * - the connections the server accepted during the TTFC samples (0 when every request reused one);
 * - the IPC round trip, which the abort figure includes once (half of it, on average).
 */
import axios from 'axios';
import { Agent, request as httpRequest } from 'node:http';
import { BehaviorSubject, Subscription } from 'rxjs';
import { LlmGatewayClient } from '../lib';
import { startBenchServer, type BenchMessage, type WorkerProcess } from './worker-process';

const messages = [{ role: 'user', content: 'bench' }];
const STREAM_PATH = '/api/v1/llm/chat/stream';
const agent = new Agent({ keepAlive: true });

/** ms from subscribe to the first chunk of a 2-event stream; waits for the stream's end before resolving. */
function oursFirstChunk(client: LlmGatewayClient): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let first = 0;
    client.chatStream$({ model: 'bench', messages, maxTokens: 2 }).subscribe({
      next: () => (first ||= performance.now() - started),
      error: reject,
      complete: () => resolve(first),
    });
  });
}

/** The same with node:http and a keep-alive agent: ms to the first body bytes. */
function httpFirstChunk(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let first = 0;
    const body = JSON.stringify({ model: 'bench', messages, max_tokens: 2 });
    const req = httpRequest(url + STREAM_PATH, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: 'Bearer t' } }, (res) => {
      res.on('data', () => (first ||= performance.now() - started));
      res.on('end', () => resolve(first));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const bareAxios = axios.create({ adapter: 'http' });

/** The request our transport sends, with the same axios options, minus everything else of the library. */
async function axiosFirstChunk(url: string): Promise<number> {
  const started = performance.now();
  const response = await bareAxios.request({
    method: 'POST',
    url: url + STREAM_PATH,
    data: { model: 'bench', messages, max_tokens: 2 },
    headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    responseType: 'stream',
    validateStatus: () => true,
    transformResponse: [(data: unknown) => data],
    maxRedirects: 0,
    maxContentLength: -1,
    signal: new AbortController().signal,
  });
  return new Promise((resolve, reject) => {
    let first = 0;
    response.data.on('data', () => (first ||= performance.now() - started));
    response.data.on('end', () => resolve(first));
    response.data.on('error', reject);
  });
}

/** The same with fetch (undici): ms to the first body bytes. */
async function fetchFirstChunk(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url + STREAM_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
    body: JSON.stringify({ model: 'bench', messages, max_tokens: 2 }),
  });
  const reader = response.body!.getReader();
  let first = 0;
  while (!(await reader.read()).done) first ||= performance.now() - started;
  return first;
}

/** ms from unsubscribing (at the first chunk) to the server's report that the request closed. */
async function abortToClose(client: LlmGatewayClient, server: WorkerProcess, id: string): Promise<number> {
  const closed = server.next<{ type: 'closed'; id: string }>('closed', 10_000);
  let subscription: Subscription | undefined;
  const unsubscribedAt = await new Promise<number>((resolve, reject) => {
    subscription = client.chatStream$({ model: 'bench-hold', messages: [{ role: 'user', content: id }] }).subscribe({
      next: () => {
        const at = performance.now();
        subscription?.unsubscribe();
        resolve(at);
      },
      error: reject,
    });
  });
  const report = await closed;
  if (report.id !== id) throw new Error(`closed ${report.id}, expected ${id}`);
  return performance.now() - unsubscribedAt;
}

async function measure(dir: string, ttfcSamples: number, abortSamples: number, warmupRounds: number) {
  const { server, url } = await startBenchServer(dir);
  try {
    const client = new LlmGatewayClient({ serverUrl: url, token$: new BehaviorSubject('t') });
    const contenders: Record<string, () => Promise<number>> = {
      ours: () => oursFirstChunk(client),
      http: () => httpFirstChunk(url),
      axios: () => axiosFirstChunk(url),
      fetch: () => fetchFirstChunk(url),
    };
    const ttfc: Record<string, number[]> = { ours: [], http: [], axios: [], fetch: [] };
    // Warm up: a long-running service runs this code JIT-compiled. Every client's latency here keeps falling
    // for the first few thousand requests of the two processes (V8 tiering up the client, Node's http code and
    // the server alike): measured earlier, the figures are those of the warm-up, larger and noisier for all.
    // The stretch right after 300 rounds (what was measured before) is kept, to show that difference.
    const early: Record<string, number[]> = { ours: [], http: [], axios: [], fetch: [] };
    for (let i = 0; i < warmupRounds; i++) {
      for (const [name, run] of Object.entries(contenders)) {
        const ms = await run();
        if (i >= 300 && i < 300 + ttfcSamples) early[name].push(ms);
      }
    }
    const before = await server.request<{ type: 'stats'; connections: number }>({ type: 'stats' }, 'stats');
    // Rotate who goes first: no client always follows the same neighbour (whose leftovers it would pay for).
    const names = Object.keys(contenders);
    for (let i = 0; i < ttfcSamples; i++) {
      for (let j = 0; j < names.length; j++) {
        const name = names[(i + j) % names.length];
        ttfc[name].push(await contenders[name]());
      }
    }
    const after = await server.request<{ type: 'stats'; connections: number }>({ type: 'stats' }, 'stats');
    const aborts: number[] = [];
    for (let i = 0; i < abortSamples + 5; i++) {
      const ms = await abortToClose(client, server, `abort-${i}`);
      if (i >= 5) aborts.push(ms);
    }
    const ipc: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      await server.request({ type: 'ping' }, 'pong');
      ipc.push(performance.now() - started);
    }
    return { ttfc, early, aborts, ipc, newConnections: after.connections - before.connections };
  } finally {
    await server.stop();
  }
}

if (process.send) {
  process.on('message', (message: BenchMessage) => {
    if (message.type !== 'run') return;
    measure(String(message.dir), Number(message.ttfcSamples), Number(message.abortSamples), Number(message.warmupRounds)).then(
      (result) => process.send!({ type: 'result', ...result }),
      (error: unknown) => process.send!({ type: 'result', error: String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready' });
}
