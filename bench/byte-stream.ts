/**
 * What the bench gateway's `bench-bytes` route sends (server.ts): one block of about 1 MiB of whole events,
 * written again until at least the asked bytes are out, then the final chunk and `[DONE]`. Shared with the
 * memory benchmark so it can check that the client delivered every event and all their text, not just that it
 * finished: a client that dropped events would otherwise look both fast and lean.
 */
import { gatewayEventsOfSize } from './synthetic-stream';

let block: { bytes: Buffer; events: number } | undefined;

/** The block (built once, seeded: the same bytes in every process) and how many events it holds. */
export function byteStreamBlock(): { bytes: Buffer; events: number } {
  return (block ??= gatewayEventsOfSize(1 << 20));
}

/**
 * The chunks and content (UTF-16 units) a client must deliver for a `bench-bytes` stream of `total` bytes: the
 * route writes the block while fewer than `total` bytes went out, then the final chunk, whose content is '.'.
 */
export function expectedFromByteStream(total: number): { events: number; contentLength: number } {
  const { bytes, events } = byteStreamBlock();
  let contentLength = 0;
  for (const line of bytes.toString('utf8').split('\n')) if (line.startsWith('data: ')) contentLength += JSON.parse(line.slice(6)).content.length;
  const blocks = Math.max(0, Math.ceil(total / bytes.length));
  return { events: blocks * events + 1, contentLength: blocks * contentLength + 1 };
}
