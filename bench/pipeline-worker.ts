/**
 * Pipeline throughput in one process, no network: the seeded synthetic gateway stream, cut into random chunks
 * of 1 B to 16 KiB (cuts inside multi-byte characters), through each contender to decoded chunks. Rounds are
 * interleaved and the best of each kept. Then one long event trickled in small chunks (a slow server's long
 * line: work that grows with the line for every chunk would show here as seconds). On
 * `{ type: 'run', megabytes, rounds }` answers `{ type: 'result' }`.
 */
import { createParser } from 'eventsource-parser';
import { Stream } from 'openai/core/streaming';
import { Observable } from 'rxjs';
import { parseStreamChunks } from '../lib/stream-chunks';
import { silentLogger } from '../lib/logger';
import { gatewayStreamOfSize, randomChunks } from './synthetic-stream';
import type { BenchMessage } from './worker-process';

type Contender = (chunks: Uint8Array[]) => number | Promise<number>;

/**
 * The same stream with each payload's keys in another order (`model` first), cut at the same places: what a
 * gateway that serialises its chunks differently sends. Our reader's fast path keys on the exact bytes that
 * follow the content (see lib/chunk-fast-path.ts), so this takes its general path (JSON.parse + zod) on every
 * event, as the peers' JSON.parse does on both. Measured beside the fast path so the table shows what the
 * ratio rests on. Looked up by the chunks it twins; the trickled event has no twin (its payload is only content).
 */
const reordered = new WeakMap<Uint8Array[], Uint8Array[]>();

function withModelFirst(bytes: Buffer): Buffer {
  const text = bytes.toString('utf8').replace(/^data: \{"content": ("(?:[^"\\]|\\.)*"), "model": ("[^"]*"), /gm, 'data: {"model": $2, "content": $1, ');
  const out = Buffer.from(text, 'utf8');
  if (out.length !== bytes.length || out.equals(bytes)) throw new Error('reordering the payloads changed their size, or nothing');
  return out;
}

/** Reads `chunks` through parseStreamChunks; the total content length. */
function readOurs(chunks: Uint8Array[]): number {
  let length = 0;
  const bytes$ = new Observable<Uint8Array>((subscriber) => {
    for (const chunk of chunks) subscriber.next(chunk);
    subscriber.complete();
  });
  bytes$.pipe(parseStreamChunks({ model: 'bench', logger: silentLogger })).subscribe((chunk) => (length += chunk.content.length));
  return length;
}

/** Each contender returns the total content length it decoded, to check they all read the same. */
const contenders: Record<string, Contender> = {
  // What chatStream$ runs on the body's bytes: SSE parsing, JSON, validation and mapping to StreamChunk.
  ours: readOurs,
  // The same, on the same events with their keys reordered (see `reordered`): the general path throughout.
  'ours-general': (chunks) => readOurs(reordered.get(chunks) ?? chunks),
  'eventsource-parser'(chunks) {
    let length = 0;
    const decoder = new TextDecoder();
    const parser = createParser({
      onEvent: (event) => {
        if (event.data !== '[DONE]') length += JSON.parse(event.data).content.length;
      },
    });
    for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
    return length;
  },
  // openai-node's own SSE decoding (line decoder, event assembly, JSON.parse) over a fetch Response.
  async openai(chunks) {
    let index = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (index < chunks.length) controller.enqueue(chunks[index++]);
        else controller.close();
      },
    });
    const stream = Stream.fromSSEResponse<{ content: string }>(new Response(body), new AbortController());
    let length = 0;
    for await (const chunk of stream) length += chunk.content.length;
    return length;
  },
};

async function measure(megabytes: number, rounds: number, only: string[]) {
  const { bytes, events } = gatewayStreamOfSize(megabytes * 1e6);
  const chunks = randomChunks(bytes);
  reordered.set(chunks, randomChunks(withModelFirst(bytes)));
  const best: Record<string, number> = {};
  const lengths: Record<string, number> = {};
  for (let round = 0; round <= rounds; round++) {
    const names = Object.keys(contenders).filter((name) => only.includes(name));
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length];
      const started = performance.now();
      lengths[name] = await contenders[name](chunks);
      const ms = performance.now() - started;
      if (round > 0) best[name] = Math.min(best[name] ?? Infinity, ms);
    }
  }
  return { bytes: bytes.length, events, chunks: chunks.length, best, lengths, trickle: await measureTrickle(only) };
}

/** ms for one 1 MB event (then [DONE]) fed in 128-byte chunks, best of 3, per contender. */
async function measureTrickle(only: string[]): Promise<Record<string, number>> {
  const stream = new TextEncoder().encode(`data: {"content":"${'x'.repeat(TRICKLE_BYTES - 20)}"}\n\ndata: [DONE]\n\n`);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i += 128) chunks.push(stream.subarray(i, i + 128));
  const best: Record<string, number> = {};
  for (let round = 0; round < 3; round++) {
    // Not ours-general: the trickled payload is content alone, there is no other key order to test.
    for (const name of Object.keys(contenders).filter((contender) => only.includes(contender) && contender !== 'ours-general')) {
      const started = performance.now();
      const length = await contenders[name](chunks);
      best[name] = Math.min(best[name] ?? Infinity, performance.now() - started);
      if (length !== TRICKLE_BYTES - 20) throw new Error(`${name} decoded ${length} chars of the trickled event`);
    }
  }
  return best;
}

/** The trickled event's line, in bytes: under the default 1 MiB line bound. */
const TRICKLE_BYTES = 1_000_000;

if (process.send) {
  process.on('message', (message: BenchMessage) => {
    if (message.type !== 'run') return;
    measure(Number(message.megabytes), Number(message.rounds), message.only as string[]).then(
      (result) => process.send!({ type: 'result', ...result }),
      (error: unknown) => process.send!({ type: 'result', error: String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready' });
}
