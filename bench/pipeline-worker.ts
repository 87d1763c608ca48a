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

/** Each contender returns the total content length it decoded, to check they all read the same. */
const contenders: Record<string, Contender> = {
  // What chatStream$ runs on the body's bytes: SSE parsing, JSON, validation and mapping to StreamChunk.
  ours(chunks) {
    let length = 0;
    const bytes$ = new Observable<Uint8Array>((subscriber) => {
      for (const chunk of chunks) subscriber.next(chunk);
      subscriber.complete();
    });
    bytes$.pipe(parseStreamChunks({ model: 'bench', logger: silentLogger })).subscribe((chunk) => (length += chunk.content.length));
    return length;
  },
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
    for (const name of Object.keys(contenders).filter((contender) => only.includes(contender))) {
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
