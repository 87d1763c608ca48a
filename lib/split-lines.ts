/**
 * The byte layer of an event stream: decodes the bytes as one UTF-8 stream, hands on whole lines only, and
 * bounds the length of a line, in bytes.
 *
 * One streaming `TextDecoder` does what the spec's "UTF-8 decode" does: a character cut between two chunks is
 * held until its last byte arrives, the stream's leading byte order mark (and only that one) is dropped, and
 * invalid bytes become U+FFFD. Lines end at CRLF, LF or CR (WHATWG "event stream interpretation"). 0x0A and
 * 0x0D never occur inside a multi-byte UTF-8 sequence, so a chunk's bytes after its last line end are exactly
 * its text after that line end plus what the decoder holds: the bound is counted on the bytes, the lines are
 * cut there too, and everything up to the last line end goes on as ONE text (a handler call per line would
 * cost more than the parse).
 */
import { StreamError } from './errors';

/**
 * Receives decoded text made of one or more whole lines, each with its line end (CRLF, LF or CR). Lines
 * never straddle two calls, except that a CRLF may: the CR ends one text and the LF is then dropped from the
 * next chunk.
 */
export type LinesHandler = (text: string) => void;

/** A stateful bytes-to-lines cutter for one stream. */
export interface LineSplitter {
  /**
   * Hands the whole lines that `chunk` completes to the handler, synchronously, keeping the unterminated
   * tail for the next chunk. Returns whether that tail holds text of a line that is not a comment (its first
   * character is not ':'): with the handler's view of the whole lines, what tells an idle timer that a slow
   * server is still sending an event. Throws a `StreamError` of type `'line-too-long'` as soon as a line is
   * known to exceed the bound (the lines before it are handed on first; no byte past the bound is ever kept);
   * after that every call throws the same error until `reset()`.
   */
  push(chunk: Uint8Array): boolean;
  /** Forgets the partial line and all state: the next byte is the first of a new stream. */
  reset(): void;
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const STREAMING = { stream: true };

/**
 * Creates a {@link LineSplitter} that hands lines to `onLines` and allows at most `maxLineBytes` bytes in one
 * line (line end excluded; the stream's leading byte order mark counts on its first line).
 */
export function createLineSplitter(onLines: LinesHandler, maxLineBytes: number): LineSplitter {
  const decoder = new TextDecoder();
  // The unterminated line: its text so far (without what the decoder holds), and its length in bytes.
  let pending = '';
  let pendingBytes = 0;
  // Whether that line is a comment (starts with ':'), noted as its first character comes: `pending` grows as a
  // rope, and reading a character of it would flatten (copy) the whole line on every chunk, quadratic in all.
  let pendingIsComment = false;
  // The previous chunk ended in CR: a LF first in this chunk is the second half of a CRLF, not a blank line.
  let skipLeadingLF = false;
  let failure: StreamError | undefined;

  function fail(): never {
    pending = '';
    failure = new StreamError('line-too-long', `SSE line exceeds maxLineBytes (${maxLineBytes} bytes)`);
    throw failure;
  }

  /** Hands on the pending line completed by `text` (whole lines, line ends included), and those lines. */
  function hand(text: string): void {
    let lines = pending + text;
    pending = '';
    if (skipLeadingLF && lines.charCodeAt(0) === LF) lines = lines.slice(1);
    skipLeadingLF = lines.charCodeAt(lines.length - 1) === CR;
    if (lines !== '') onLines(lines);
  }

  function push(chunk: Uint8Array): boolean {
    if (failure) throw failure;
    if (chunk.length === 0) return false;
    const lastEnd = lastLineEnd(chunk);
    if (lastEnd < 0) {
      // No line end: all of it continues the pending line.
      skipLeadingLF = false;
      pendingBytes += chunk.length;
      if (pendingBytes > maxLineBytes) fail();
      const text = decoder.decode(chunk, STREAMING);
      if (pending.length === 0) pendingIsComment = text.charCodeAt(0) === COLON;
      pending += text;
      return tailIsContent();
    }
    // Only when the pending line and the whole lines together are longer than the bound can one of them be:
    // then find it on the bytes, and hand on the lines before it only.
    if (pendingBytes + lastEnd > maxLineBytes) {
      const tooLong = findTooLongLine(chunk, lastEnd + 1, pendingBytes, maxLineBytes);
      if (tooLong >= 0) {
        if (tooLong > 0) hand(decoder.decode(chunk.subarray(0, tooLong), STREAMING));
        fail();
      }
    }
    // The whole lines and the tail are decoded apart (the line end is ASCII: no character straddles the cut).
    // A gateway writes whole events, so the tail is most often empty and the chunk is decoded in one call.
    const tailBytes = chunk.length - lastEnd - 1;
    hand(decoder.decode(tailBytes === 0 ? chunk : chunk.subarray(0, lastEnd + 1), STREAMING));
    pendingBytes = tailBytes;
    if (pendingBytes > maxLineBytes) fail();
    pending = tailBytes === 0 ? '' : decoder.decode(chunk.subarray(lastEnd + 1), STREAMING);
    pendingIsComment = pending.charCodeAt(0) === COLON;
    return tailIsContent();
  }

  /**
   * Whether the unterminated line has text and is not a comment. Bytes without text yet are the stream's byte
   * order mark (dropped: a server that sends it and then only keep-alives has still sent nothing) or the start
   * of a character the decoder holds, which counts once its last byte comes.
   */
  function tailIsContent(): boolean {
    return pending.length > 0 && !pendingIsComment;
  }

  function reset(): void {
    decoder.decode(); // ends the decoder's stream: it drops what it held and looks for a BOM again
    pending = '';
    pendingBytes = 0;
    pendingIsComment = false;
    skipLeadingLF = false;
    failure = undefined;
  }

  return { push, reset };
}

/**
 * The index of the last CR or LF in `bytes`, or -1. A backwards search for CR would scan the whole chunk of
 * every LF-only stream, so CR is looked for only after the last LF.
 */
function lastLineEnd(bytes: Uint8Array): number {
  const lastLF = bytes.lastIndexOf(LF);
  return bytes.indexOf(CR, lastLF + 1) < 0 ? lastLF : bytes.lastIndexOf(CR);
}

/**
 * Where the first line longer than `max` bytes starts in `bytes[0..end)` (whole lines, the first of them
 * continuing a pending line of `pendingBytes`), or -1; 0 when the pending line is the one.
 */
function findTooLongLine(bytes: Uint8Array, end: number, pendingBytes: number, max: number): number {
  let lineStart = 0;
  let carried = pendingBytes;
  for (let i = 0; i < end; i++) {
    const byte = bytes[i];
    if (byte !== LF && byte !== CR) continue;
    if (carried + i - lineStart > max) return lineStart;
    if (byte === CR && bytes[i + 1] === LF) i++;
    lineStart = i + 1;
    carried = 0;
  }
  return -1;
}
