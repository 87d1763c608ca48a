/**
 * Pipeline throughput in one process (see pipeline-worker.ts): ours vs eventsource-parser + JSON.parse vs
 * openai-node's SSE decoder, on the same seeded chunks, rounds interleaved in one worker process.
 */
import { count, ratio, verdict, type BenchTable } from './table';
import { startWorker } from './worker-process';

interface PipelineResult {
  type: 'result';
  error?: string;
  bytes: number;
  events: number;
  chunks: number;
  best: Record<string, number>;
  lengths: Record<string, number>;
  trickle: Record<string, number>;
}

const LABELS: Record<string, string> = {
  ours: '`parseStreamChunks` (what `chatStream$` runs) on the gateway\'s payload: SSE + the fast path (string compares standing for JSON + validation) + mapping to `StreamChunk`',
  'ours-general':
    '`parseStreamChunks` on the same events with `model` before `content` (off the fast path: JSON.parse + zod on every event)',
  'eventsource-parser': 'eventsource-parser + TextDecoder + JSON.parse',
  openai: 'openai-node SSE decoder (`Stream.fromSSEResponse`) + JSON.parse',
};

/** Runs the comparison on `megabytes` MB of stream; `rounds` measured rounds after a warm-up round. */
export async function pipelineBenchmark(dir: string, { megabytes, rounds }: { megabytes: number; rounds: number }): Promise<BenchTable> {
  const worker = startWorker(`${dir}/pipeline-worker.mjs`);
  try {
    await worker.next('ready', 30_000);
    const result = await worker.request<PipelineResult>({ type: 'run', megabytes, rounds, only: Object.keys(LABELS) }, 'result');
    if (result.error) throw new Error(result.error);
    const lengths = new Set(Object.values(result.lengths));
    if (lengths.size !== 1) throw new Error(`contenders decoded different content: ${JSON.stringify(result.lengths)}`);
    const mbps = (name: string) => result.bytes / 1e6 / (result.best[name] / 1000);
    const eps = (name: string) => result.events / (result.best[name] / 1000);
    return {
      title: `Pipeline throughput in one process: ${(result.bytes / 1e6).toFixed(0)} MB, ${count(result.events)} events, ${count(result.chunks)} random chunks`,
      header: ['pipeline', 'MB/s', 'events/s', 'ours ÷ theirs'],
      rows: Object.keys(LABELS).map((name) => [
        LABELS[name],
        mbps(name).toFixed(1),
        count(eps(name)),
        name === 'ours' ? '—' : name === 'ours-general' ? `(${ratio(mbps(name), mbps('eventsource-parser'))} eventsource-parser)` : ratio(mbps('ours'), mbps(name)),
      ]),
      notes: [
        `Best of ${rounds} interleaved rounds after a warm-up. Content 5-40 chars, a third with CJK / emoji / Cyrillic and JSON escapes; chunks of 1 B to 16 KiB cut anywhere, inside characters too.`,
        `Target (on the gateway's payload, the stream the issue specifies): ≥ 1.0× eventsource-parser + JSON.parse — ${verdict(mbps('ours') >= mbps('eventsource-parser'))}. With its keys reordered (the general path, no target): ${ratio(mbps('ours-general'), mbps('eventsource-parser'))}, ${mbps('ours-general') >= mbps('eventsource-parser') ? 'at or above' : 'below'} it.`,
        `One 1 MB event trickled in 128-byte chunks (a slow server's long line; no target, a guard against work that grows with the line on every chunk): ${Object.keys(result.trickle)
          .map((name) => `${name} ${result.trickle[name].toFixed(1)} ms`)
          .join(', ')}.`,
      ],
    };
  } finally {
    await worker.stop();
  }
}
