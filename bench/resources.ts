/**
 * The benchmarks that run `chatStream$` alone: memory over a long stream, many concurrent streams, and the
 * latencies (time to first chunk vs node:http, unsubscribe -> server close).
 */
import { expectedFromByteStream } from './byte-stream';
import { count, megabytes, millis, quantile, verdict, type BenchTable } from './table';
import { startBenchServer, startWorker } from './worker-process';

type Reply<T> = T & { type: 'result'; error?: string };

async function inWorker<T>(script: string, execArgv: string[], run: Record<string, unknown>): Promise<Reply<T>> {
  const worker = startWorker(script, [], execArgv);
  try {
    await worker.next('ready', 30_000);
    const result = await worker.request<Reply<T>>({ type: 'run', ...run }, 'result');
    if (result.error) throw new Error(`${script}: ${result.error}`);
    return result;
  } finally {
    await worker.stop();
  }
}

interface MemoryResult {
  ms: number;
  events: number;
  contentLength: number;
  baselineRss: number;
  peakRss: number;
  rssGrowth: number;
  /** The growth as the 20 ms RSS sampler alone saw it (what was reported before the kernel's peak was read). */
  sampledGrowth: number;
  /** Whether rssGrowth is the kernel's peak (Linux VmHWM), not only the sampler's. */
  kernelPeak: boolean;
  heapBefore: number;
  heapAfterGc: number;
}

/** About `bytes` bytes of events through one `chatStream$`. */
export async function memoryBenchmark(dir: string, { bytes }: { bytes: number }): Promise<BenchTable> {
  const { server, url } = await startBenchServer(dir);
  try {
    const r = await inWorker<MemoryResult>(`${dir}/memory-client.mjs`, ['--expose-gc'], { url, bytes });
    // Finishing is not enough: a client that dropped events (or their text) would read fast and lean.
    const expected = expectedFromByteStream(bytes);
    if (r.events !== expected.events || r.contentLength !== expected.contentLength) {
      throw new Error(`memory: delivered ${r.events} chunks / ${r.contentLength} chars, expected ${expected.events} / ${expected.contentLength}`);
    }
    return {
      title: `Memory: a ${(bytes / 1e9).toFixed(0)} GB stream through \`chatStream$\``,
      header: ['measure', 'value'],
      rows: [
        ['events delivered (count and content checked)', `${count(r.events)} of ${count(expected.events)}`],
        ['throughput', `${count(r.events / (r.ms / 1000))} events/s, ${((bytes / 1e6) / (r.ms / 1000)).toFixed(0)} MB/s`],
        ['RSS before (after warm-up and GC)', megabytes(r.baselineRss)],
        [r.kernelPeak ? 'peak RSS growth (kernel peak, VmHWM)' : 'peak RSS growth (sampled every 20 ms)', megabytes(r.rssGrowth)],
        ...(r.kernelPeak ? [['peak RSS growth seen by a 20 ms sampler alone (misses short peaks)', megabytes(r.sampledGrowth)]] : []),
        ['heap used before -> after GC at the end', `${megabytes(r.heapBefore)} -> ${megabytes(r.heapAfterGc)}`],
      ],
      notes: [`Target: < 64 MB RSS growth — ${verdict(r.rssGrowth < 64e6)}.`],
    };
  } finally {
    await server.stop();
  }
}

interface ConcurrencyResult {
  ms: number;
  events: number;
  completed: number;
  failed: number;
  firstError?: string;
  maxRss: number;
}

/** `streams` concurrent `chatStream$` of `events` events each. */
export async function concurrencyBenchmark(dir: string, { streams, events }: { streams: number; events: number }): Promise<BenchTable> {
  const { server, url } = await startBenchServer(dir);
  try {
    const r = await inWorker<ConcurrencyResult>(`${dir}/concurrency-client.mjs`, [], { url, streams, events });
    const all = r.completed === streams && r.events === streams * events;
    return {
      title: `Concurrency: ${count(streams)} concurrent streams of ${count(events)} events`,
      header: ['measure', 'value'],
      rows: [
        ['streams completed', `${count(r.completed)} of ${count(streams)}${r.failed ? ` (${r.failed} failed: ${r.firstError})` : ''}`],
        ['events delivered', `${count(r.events)} of ${count(streams * events)}`],
        ['total events/s', count(r.events / (r.ms / 1000))],
        ['wall time', millis(r.ms)],
        ['peak RSS of the client', megabytes(r.maxRss)],
      ],
      notes: [`Target: all ${count(streams)} streams complete with every event — ${verdict(all)}.`],
    };
  } finally {
    await server.stop();
  }
}

interface LatencyResult {
  ttfc: Record<'ours' | 'http' | 'axios' | 'fetch', number[]>;
  /** The same, right after 300 warm-up rounds. */
  early: Record<'ours' | 'http' | 'axios' | 'fetch', number[]>;
  aborts: number[];
  ipc: number[];
  newConnections: number;
}

/** Time to first chunk (reused connection) vs node:http, and unsubscribe -> server close. */
export async function latencyBenchmark(
  dir: string,
  { ttfcSamples, abortSamples, warmupRounds }: { ttfcSamples: number; abortSamples: number; warmupRounds: number },
): Promise<BenchTable> {
  const r = await inWorker<LatencyResult>(`${dir}/latency-client.mjs`, [], { dir, ttfcSamples, abortSamples, warmupRounds });
  const median = (values: number[]) => quantile(values, 0.5);
  const p90 = (values: number[]) => quantile(values, 0.9);
  const { ours, http, axios, fetch } = r.ttfc;
  const row = (label: string, values: number[], target = ''): string[] => [label, millis(median(values)), millis(p90(values)), target];
  return {
    title: 'Latency',
    header: ['measure', 'median', 'p90', 'target'],
    rows: [
      row('time to first chunk: `chatStream$`', ours, `≤ node:http + 0.5 ms median — ${verdict(median(ours) <= median(http) + 0.5)}`),
      row('time to first chunk: node:http', http),
      row('time to first chunk: axios alone (our transport’s request, no library)', axios),
      row('time to first chunk: fetch (undici)', fetch),
      row(`unsubscribe -> server sees the close (${abortSamples} samples)`, r.aborts, `p90 ≤ 2 ms — ${verdict(p90(r.aborts) <= 2)}`),
      row('one IPC round trip (for scale)', r.ipc),
    ],
    notes: [
      `Time to first chunk: ${ttfcSamples} samples each, the four clients interleaved, each on its own kept-alive connection, after ${warmupRounds.toLocaleString('en-US')} warm-up rounds (${(4 * warmupRounds).toLocaleString('en-US')} requests); the server accepted ${r.newConnections} new connection(s) during the ${4 * ttfcSamples} measured requests (0: every one reused its socket).`,
      `Right after 300 warm-up rounds instead (still warming up: every client slower): \`chatStream$\` ${millis(median(r.early.ours))}, node:http ${millis(median(r.early.http))}, axios alone ${millis(median(r.early.axios))}; \`chatStream$\` − node:http = ${millis(median(r.early.ours) - median(r.early.http))}.`,
      `\`chatStream$\` − node:http = ${millis(median(ours) - median(http))} (median), of which axios alone accounts for ${millis(median(axios) - median(http))}.`,
      'The close is timed in the client when the server reports it over IPC, so the figure includes one IPC hop.',
    ],
  };
}
