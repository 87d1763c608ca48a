/**
 * A fast path for the payload a gateway sends for nearly every event of a stream,
 * `{"content": "…", "model": "m", "tool_calls": [], "usage": null, "is_final": false}`, where only the
 * content changes from one event to the next. JSON.parse + zod + the mapping cost several times the rest of
 * the pipeline per event; this costs two native string compares and a look at the content.
 *
 * What follows the content string (the "tail") is learned from an event, by running the general path on
 * the same payload with two different contents: when both pass, give back those contents and no tool calls
 * or usage, the tail is a valid continuation of ANY string literal there, and its meaning (model, is_final)
 * does not depend on it. Later events that start with `{"content": "` and end with that tail then only need
 * their content checked: a JSON string literal, sliced when it holds no escape, else decoded by JSON.parse.
 *
 * Anything else (another shape, another tail, an `error` key, tool calls, usage) gives `undefined`, and the
 * caller takes the general path, which then decides, warns or fails exactly as before.
 * spec/chunk-fast-path.spec.ts checks with fast-check that every chunk this returns equals what the general
 * path returns for the same text.
 */
import { StreamChunk, toStreamChunk } from './protocol';

/** How a gateway's payload starts, up to the content's opening quote: `json.dumps` spacing, or compact. */
const HEADS = ['{"content": "', '{"content":"'];
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The general path, without its side effects: the chunk, or `undefined` when it would skip or fail. */
function generalChunk(data: string, requestModel: string): StreamChunk | undefined {
  try {
    const payload: unknown = JSON.parse(data);
    return payload !== null && typeof payload === 'object' && !('error' in payload) ? toStreamChunk(payload, requestModel) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The content string of `data[start..end)` when that is the inside of a JSON string literal (whose quotes
 * are `data[start - 1]` and `data[end]`), else `undefined`.
 */
function contentBetween(data: string, start: number, end: number): string | undefined {
  for (let i = start; i < end; i++) {
    const code = data.charCodeAt(i);
    if (code === QUOTE || code === BACKSLASH || code < 0x20) {
      // An escape (or a stray quote or control character): JSON.parse judges the literal alone. It starts
      // and ends with a quote, so it parses only when it is ONE string token.
      try {
        return JSON.parse(data.slice(start - 1, end + 1)) as string;
      } catch {
        return undefined;
      }
    }
  }
  return data.slice(start, end);
}

/**
 * A reader for one stream: gives the {@link StreamChunk} that the general path
 * (`toStreamChunk(JSON.parse(data), requestModel)`) would give for `data` when `data` has the learned tail,
 * else `undefined` (and may learn this payload's tail).
 */
export function createCommonChunkReader(requestModel: string): (data: string) => StreamChunk | undefined {
  let head = ''; // one of HEADS
  let tail = ''; // from the content's closing quote to the end
  let template: StreamChunk | undefined;
  let misses = 0;

  function learnTail(data: string, start: string): void {
    let close = start.length;
    for (; close < data.length; close++) {
      const code = data.charCodeAt(close);
      if (code === QUOTE) break;
      if (code === BACKSLASH) close++;
    }
    const candidate = data.slice(close);
    const empty = generalChunk(start + candidate, requestModel);
    const other = generalChunk(start + 'x' + candidate, requestModel);
    // A second `content` key in the tail would win over ours (JSON.parse keeps the last): then both give
    // the tail's content, and this refuses it.
    if (empty?.content !== '' || other?.content !== 'x' || empty.toolCalls.length > 0 || empty.usage) return;
    head = start;
    tail = candidate;
    template = empty;
  }

  return (data) => {
    const contentEnd = data.length - tail.length;
    if (template && contentEnd >= head.length && data.endsWith(tail) && data.startsWith(head)) {
      const content = contentBetween(data, head.length, contentEnd);
      if (content !== undefined) return { content, model: template.model, toolCalls: [], isFinal: template.isFinal };
    }
    // Learn from the 2nd, 4th, 8th… payload that missed: not the 1st, so the first chunk (what a user waits
    // for) pays only the general path; and a gateway whose tails always differ costs next to nothing more.
    const start = HEADS.find((candidate) => data.startsWith(candidate));
    if (start && (++misses & (misses - 1)) === 0 && misses > 1) learnTail(data, start);
    return undefined;
  };
}
