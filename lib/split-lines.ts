/**
 * The byte layer of an event stream: cuts the bytes at line ends, as the WHATWG "event stream interpretation"
 * section defines them (CRLF, a lone LF, a lone CR), drops one leading UTF-8 byte order mark, bounds the
 * length of a line, and decodes whole lines only.
 *
 * Line ends are found in the bytes: 0x0A and 0x0D never occur inside a multi-byte UTF-8 sequence, so a chunk
 * cut inside a character only ever leaves that character in the unterminated tail, which is kept as bytes
 * until its line ends. Everything from the chunk's start to its last line end is whole lines, decoded with
 * ONE decoder call and handed on as one text: a decoder call, a typed-array allocation or a handler call per
 * line would each cost more than the parse itself.
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
   * tail for the next chunk. Throws a `StreamError` of type `'line-too-long'` as soon as a line is known to
   * exceed the bound (the lines before it are handed on first; no byte past the bound is ever kept); after
   * that every call throws the same error until `reset()`.
   */
  push(chunk: Uint8Array): void;
  /** Forgets the partial line and all state: the next byte is the first of a new stream. */
  reset(): void;
}

const LF = 0x0a;
const CR = 0x0d;
/** The UTF-8 encoding of U+FEFF. */
const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);
const STREAMING = { stream: true };
const INITIAL_CARRY_BYTES = 4096;
const NO_CARRY = new Uint8Array(0);

/**
 * Creates a {@link LineSplitter} that hands lines to `onLines` and allows at most `maxLineBytes` bytes in one
 * line (line end excluded). Invalid UTF-8 decodes to U+FFFD, as the spec's UTF-8 decode does.
 */
export function createLineSplitter(onLines: LinesHandler, maxLineBytes: number): LineSplitter {
  // ignoreBOM: a U+FEFF inside the stream is content; only the leading one goes (see skipBom).
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  // Node's TextDecoder is several times faster one-shot on ASCII, and faster streaming on anything else; both
  // give the same text here (a run of whole lines ends in CR or LF, so a streaming decode holds nothing
  // back). The previous run picks the mode: as many chars as bytes means it was ASCII.
  let lastRunAscii = true;
  // The unterminated line, copied into one reused buffer that grows by doubling up to the bound: a long line
  // arriving in many small chunks costs O(length), and the common case allocates nothing per chunk. Made at
  // the first partial line, not up front: a new buffer costs more than the rest of a parser's setup, and a
  // stream whose chunks end at line ends never needs one.
  let carry = NO_CARRY;
  let pendingBytes = 0;
  // The previous chunk ended in CR: a LF first in this chunk is the second half of a CRLF, not a blank line.
  let skipLeadingLF = false;
  // How many bytes of a leading BOM have been seen (and held back) so far; -1 once past the stream start.
  let bomMatched = 0;
  let failure: StreamError | undefined;

  function fail(): never {
    failure = new StreamError('line-too-long', `SSE line exceeds maxLineBytes (${maxLineBytes} bytes)`);
    throw failure;
  }

  function decode(bytes: Uint8Array): string {
    const text = lastRunAscii ? decoder.decode(bytes) : decoder.decode(bytes, STREAMING);
    lastRunAscii = text.length === bytes.length;
    return text;
  }

  /** Appends `chunk[start..end)` to the pending line, `lineBytes` being the line's length without its end. */
  function carryOver(chunk: Uint8Array, start: number, end: number, lineBytes: number): void {
    if (lineBytes > maxLineBytes) fail();
    const total = pendingBytes + (end - start);
    if (total > carry.length) {
      const grown = new Uint8Array(Math.min(Math.max(total, carry.length * 2, INITIAL_CARRY_BYTES), maxLineBytes + 1));
      grown.set(carry.subarray(0, pendingBytes));
      carry = grown;
    }
    // A copy, never a view: the caller may reuse its buffer (BYOB readers) once push() returns.
    carry.set(chunk.subarray(start, end), pendingBytes);
    pendingBytes = total;
  }

  /** Ends the pending line with `chunk[start..]` up to its first line end; returns the position after it. */
  function finishPending(chunk: Uint8Array, start: number): number {
    let end = start;
    while (chunk[end] !== LF && chunk[end] !== CR) end++;
    carryOver(chunk, start, end + 1, pendingBytes + (end - start));
    const line = carry.subarray(0, pendingBytes);
    pendingBytes = 0;
    let next = end + 1;
    if (chunk[end] === CR) {
      if (next === chunk.length) skipLeadingLF = true;
      else if (chunk[next] === LF) next++;
    }
    onLines(decoder.decode(line));
    return next;
  }

  /** Returns where the stream's content starts in `chunk`, or -1 when the whole chunk was BOM bytes. */
  function skipBom(chunk: Uint8Array): number {
    const heldBefore = bomMatched;
    let i = 0;
    while (bomMatched < BOM.length && i < chunk.length && chunk[i] === BOM[bomMatched]) {
      bomMatched++;
      i++;
    }
    if (bomMatched === BOM.length) {
      bomMatched = -1;
      return i;
    }
    if (i === chunk.length) return -1;
    // Not a BOM after all: the bytes held from earlier chunks are the start of the first line.
    bomMatched = -1;
    if (heldBefore > 0) carryOver(BOM, 0, heldBefore, heldBefore);
    return 0;
  }

  function push(chunk: Uint8Array): void {
    if (failure) throw failure;
    const length = chunk.length;
    let pos = 0;
    if (bomMatched >= 0 && length > 0) {
      pos = skipBom(chunk);
      if (pos < 0) return;
    }
    if (pos === length) return;
    if (skipLeadingLF) {
      skipLeadingLF = false;
      if (chunk[pos] === LF && ++pos === length) return;
    }
    let wholeEnd = lastLineEnd(chunk, pos) + 1;
    if (wholeEnd > pos && pendingBytes > 0) pos = finishPending(chunk, pos);
    if (wholeEnd > pos) {
      // Only a run longer than the bound can hold a too-long line: check those on the bytes, stop before it.
      const tooLong = wholeEnd - pos > maxLineBytes ? findTooLongLine(chunk, pos, wholeEnd, maxLineBytes) : -1;
      if (tooLong >= 0) wholeEnd = tooLong;
      if (chunk[wholeEnd - 1] === CR && wholeEnd === length) skipLeadingLF = true;
      if (wholeEnd > pos) onLines(decode(chunk.subarray(pos, wholeEnd)));
      if (tooLong >= 0) fail();
      pos = wholeEnd;
    }
    if (pos < length) carryOver(chunk, pos, length, pendingBytes + (length - pos));
  }

  function reset(): void {
    if (carry.length > INITIAL_CARRY_BYTES) carry = NO_CARRY;
    pendingBytes = 0;
    skipLeadingLF = false;
    bomMatched = 0;
    failure = undefined;
  }

  return { push, reset };
}

/**
 * The index of the last CR or LF in `bytes[from..]`, or `from - 1`. A backwards search for CR would scan the
 * whole chunk of every LF-only stream, so CR is looked for only after the last LF.
 */
function lastLineEnd(bytes: Uint8Array, from: number): number {
  const lastLF = bytes.lastIndexOf(LF);
  const afterLF = lastLF < from ? from : lastLF + 1;
  if (bytes.indexOf(CR, afterLF) < 0) return lastLF < from ? from - 1 : lastLF;
  return bytes.lastIndexOf(CR);
}

/** Where the first line longer than `max` bytes starts in `bytes[start..end)` (whole lines), or -1. */
function findTooLongLine(bytes: Uint8Array, start: number, end: number, max: number): number {
  let lineStart = start;
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    if (byte !== LF && byte !== CR) continue;
    if (i - lineStart > max) return lineStart;
    if (byte === CR && bytes[i + 1] === LF) i++;
    lineStart = i + 1;
  }
  return -1;
}
