/**
 * End to end over loopback: 100,000 events from the bench gateway (its own process) through each client
 * (each in its own process), rounds interleaved so every client sees the same machine load; best round each.
 * The Python reference (bench/python-reference.py) runs too where python3 has httpx.
 */
import { join } from 'node:path';
import { contents } from './synthetic-stream';
import { count, megabytes, ratio, verdict, type BenchTable } from './table';
import { pythonWithHttpx, startBenchServer, startPythonWorker, startWorker, type WorkerProcess } from './worker-process';

const CLIENTS: Array<{ kind: string; label: string }> = [
  { kind: 'ours', label: '`chatStream$` (llm-gateway-rx)' },
  { kind: 'fetch-esp', label: 'fetch + eventsource-parser + JSON.parse' },
  { kind: 'http-naive', label: 'node:http + naive split + JSON.parse' },
  { kind: 'axios-naive', label: 'axios stream + naive split + JSON.parse' },
  { kind: 'openai', label: 'openai-node `chat.completions.create({ stream: true })`' },
];
const PYTHON = { kind: 'python', label: 'the Python reference (httpx `aiter_lines` + `json.loads`)' };

interface RoundResult {
  type: 'result';
  ms: number;
  contentLength: number;
  error?: string;
}

/** Warm-up rounds before measuring: JIT tiering of a client's whole path takes a few 100k-event streams. */
const WARM_UP_ROUNDS = 3;

/** Runs the comparison; `rounds` measured rounds after the warm-up rounds. */
export async function endToEndBenchmark(dir: string, { events, rounds }: { events: number; rounds: number }): Promise<BenchTable> {
  const expectedLength = contents(events).reduce((sum, text) => sum + text.length, 0);
  const python = pythonWithHttpx();
  const clients = python ? [...CLIENTS, PYTHON] : CLIENTS;
  const { server, url } = await startBenchServer(dir);
  const workers = new Map<string, WorkerProcess>();
  try {
    for (const { kind } of clients) {
      const worker =
        kind === PYTHON.kind ? startPythonWorker(python!, join(__dirname, 'python-reference.py')) : startWorker(`${dir}/e2e-client.mjs`, [kind]);
      await worker.next('ready', 30_000);
      workers.set(kind, worker);
    }
    const best = new Map<string, number>();
    for (let round = 1 - WARM_UP_ROUNDS; round <= rounds; round++) {
      // Rotate who goes first: a client never always runs right after the same neighbour.
      for (let i = 0; i < clients.length; i++) {
        const { kind } = clients[(i + round + WARM_UP_ROUNDS) % clients.length];
        const result = await workers.get(kind)!.request<RoundResult>({ type: 'run', url, events }, 'result');
        if (result.error) throw new Error(`${kind}: ${result.error}`);
        if (result.contentLength !== expectedLength) throw new Error(`${kind} decoded ${result.contentLength} chars, expected ${expectedLength}`);
        if (round > 0) best.set(kind, Math.min(best.get(kind) ?? Infinity, result.ms));
      }
    }
    const rss = new Map<string, number>();
    for (const [kind, worker] of workers) rss.set(kind, (await worker.request<{ type: 'rss'; maxRss: number }>({ type: 'rss' }, 'rss')).maxRss);
    const rate = (kind: string) => events / (best.get(kind)! / 1000);
    const ours = rate('ours');
    return {
      title: `End to end over loopback: ${count(events)} events, server in its own process`,
      header: ['client', 'events/s', 'ours ÷ theirs', 'peak RSS of the client'],
      rows: clients.map(({ kind, label }) => [label, count(rate(kind)), kind === 'ours' ? '—' : ratio(ours, rate(kind)), megabytes(rss.get(kind)!)]),
      notes: [
        `Best of ${rounds} interleaved rounds after ${WARM_UP_ROUNDS} warm-up rounds; each client in its own process, so its peak RSS is its own (node itself is ~40 MB of it).`,
        `Targets: ≥ 1.0× fetch + eventsource-parser — ${verdict(ours >= rate('fetch-esp'))}; ≥ 2× openai-node — ${verdict(ours >= 2 * rate('openai'))}.`,
        'Every client decoded the same content (total length checked each round).',
        python
          ? 'The Python reference is its `chat_stream` loop (a StreamChunk per event) under CPython with httpx, in its own process like the others.'
          : 'The Python reference was not run: no python3 with httpx here (`pip install httpx` adds it).',
      ],
    };
  } finally {
    await Promise.all([...workers.values()].map((worker) => worker.stop()));
    await server.stop();
  }
}
