/**
 * A fast path for the stream payload the gateway sends for nearly every event,
 * `{"content": "…", "model": "…", "tool_calls": [], "usage": null, "is_final": false}`: read straight from the
 * text into a {@link StreamChunk}, without `JSON.parse` building an object for zod to check and then map.
 * JSON.parse + zod cost several times the rest of the pipeline per event.
 *
 * Two levels. A scanner accepts only what it can decide alone: an object whose keys are among the five
 * above, each at most once, whose values are strings, `null`, `true`/`false` or an empty array where the
 * schema allows them. And since a gateway writes every event alike, what follows the content string (the
 * "tail") is remembered once the scanner has accepted it: the next events that start with `{"content": "`
 * and end with that tail only need their content checked, with native string compares.
 *
 * Anything else (usage numbers, tool calls, an `error` key, unknown keys, duplicates, malformed JSON) gives
 * `undefined`, and the caller takes the general path (JSON.parse + zod), which then decides, warns or fails
 * exactly as before. spec/chunk-fast-path.spec.ts checks with fast-check that every chunk this returns
 * equals what the general path returns for the same text.
 */
import type { StreamChunk } from './protocol';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

// Which keys were seen, one bit each: a duplicate key (JSON.parse keeps the last) takes the general path.
const CONTENT = 1;
const MODEL = 2;
const TOOL_CALLS = 4;
const USAGE = 8;
const IS_FINAL = 16;

// The value just read. Module state, not a returned object: no allocation per value.
const NOT_READ = 0;
const STRING = 1;
const NULL = 2;
const TRUE = 3;
const FALSE = 4;
const EMPTY_ARRAY = 5;
let valueEnd = 0;
let stringValue = '';

/** JSON's whitespace: space, tab, LF, CR (nothing else, unlike `String.prototype.trim`). */
function skipSpace(text: string, at: number): number {
  for (;;) {
    const code = text.charCodeAt(at);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return at;
    at++;
  }
}

/**
 * Reads the value at `at`, leaving its end in `valueEnd` (and a string in `stringValue`); returns its kind, or
 * NOT_READ for anything this path does not take (numbers, objects, non-empty arrays, malformed text).
 */
function readValue(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return readString(text, at);
  if (first === 0x6e /* n */ && text.startsWith('null', at)) {
    valueEnd = at + 4;
    return NULL;
  }
  if (first === 0x74 /* t */ && text.startsWith('true', at)) {
    valueEnd = at + 4;
    return TRUE;
  }
  if (first === 0x66 /* f */ && text.startsWith('false', at)) {
    valueEnd = at + 5;
    return FALSE;
  }
  if (first === OPEN_BRACKET) {
    const close = skipSpace(text, at + 1);
    if (text.charCodeAt(close) !== CLOSE_BRACKET) return NOT_READ;
    valueEnd = close + 1;
    return EMPTY_ARRAY;
  }
  return NOT_READ;
}

/** A JSON string literal at `at`: sliced when it has no escape, else decoded by JSON.parse (which checks it). */
function readString(text: string, at: number): number {
  const length = text.length;
  let escaped = false;
  let i = at + 1;
  for (; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) break;
    if (code === BACKSLASH) {
      escaped = true;
      i++; // the escaped char cannot end the string; JSON.parse below judges the escape itself
    } else if (code < 0x20) {
      return NOT_READ; // a raw control character: JSON.parse would reject the payload
    }
  }
  if (i >= length) return NOT_READ;
  valueEnd = i + 1;
  if (!escaped) {
    stringValue = text.slice(at + 1, i);
    return STRING;
  }
  try {
    stringValue = JSON.parse(text.slice(at, i + 1)) as string;
  } catch {
    return NOT_READ;
  }
  return STRING;
}

/** Which key starts at `at` (its quotes included), or 0 for any other (or an escaped) key. */
function readKey(text: string, at: number): number {
  switch (text.charCodeAt(at + 1)) {
    case 0x63 /* c */:
      return text.startsWith('"content"', at) ? CONTENT : 0;
    case 0x6d /* m */:
      return text.startsWith('"model"', at) ? MODEL : 0;
    case 0x74 /* t */:
      return text.startsWith('"tool_calls"', at) ? TOOL_CALLS : 0;
    case 0x75 /* u */:
      return text.startsWith('"usage"', at) ? USAGE : 0;
    case 0x69 /* i */:
      return text.startsWith('"is_final"', at) ? IS_FINAL : 0;
    default:
      return 0;
  }
}

/** The quoted length of each key, by its bit. */
const KEY_LENGTH: Record<number, number> = { [CONTENT]: 9, [MODEL]: 7, [TOOL_CALLS]: 12, [USAGE]: 7, [IS_FINAL]: 10 };

/** The scanner: the chunk `data` holds when it is one of the common shapes, else `undefined`. */
function scanCommonChunk(data: string, requestModel: string): StreamChunk | undefined {
  let at = skipSpace(data, 0);
  if (data.charCodeAt(at) !== OPEN_BRACE) return undefined;
  at = skipSpace(data, at + 1);
  let content = '';
  let model = requestModel;
  let isFinal = false;
  let seen = 0;
  if (data.charCodeAt(at) !== CLOSE_BRACE) {
    for (;;) {
      if (data.charCodeAt(at) !== QUOTE) return undefined;
      const key = readKey(data, at);
      if (key === 0 || (seen & key) !== 0) return undefined;
      seen |= key;
      at = skipSpace(data, at + KEY_LENGTH[key]);
      if (data.charCodeAt(at) !== COLON) return undefined;
      const kind = readValue(data, skipSpace(data, at + 1));
      if (kind === NOT_READ) return undefined;
      // What the schema allows for each key: content/model `string | null`, tool_calls `[] | null` (a
      // non-empty array has calls to check), usage `null` (numbers to check), is_final `boolean | null`.
      switch (key) {
        case CONTENT:
          if (kind === STRING) content = stringValue;
          else if (kind !== NULL) return undefined;
          break;
        case MODEL:
          if (kind === STRING) model = stringValue;
          else if (kind !== NULL) return undefined;
          break;
        case TOOL_CALLS:
          if (kind !== EMPTY_ARRAY && kind !== NULL) return undefined;
          break;
        case USAGE:
          if (kind !== NULL) return undefined;
          break;
        default: // IS_FINAL
          if (kind === TRUE) isFinal = true;
          else if (kind !== FALSE && kind !== NULL) return undefined;
      }
      at = skipSpace(data, valueEnd);
      const next = data.charCodeAt(at);
      if (next === CLOSE_BRACE) break;
      if (next !== COMMA) return undefined;
      at = skipSpace(data, at + 1);
    }
  }
  // Nothing but whitespace may follow the object.
  if (skipSpace(data, at + 1) !== data.length) return undefined;
  return { content, model, toolCalls: [], isFinal };
}

/** How every common payload starts (the gateway's `json.dumps` spacing): up to the content's opening quote. */
const CONTENT_START = '{"content": "';

/**
 * The content string of `data[start..end)` when that is the inside of a valid JSON string literal (its
 * quotes are `data[start - 1]` and `data[end]`), else `undefined`.
 */
function contentBetween(data: string, start: number, end: number): string | undefined {
  for (let i = start; i < end; i++) {
    const code = data.charCodeAt(i);
    if (code === QUOTE || code === BACKSLASH || code < 0x20) {
      // Escapes (or a stray quote or control character): JSON.parse judges the literal alone. It succeeds only
      // when the whole literal is ONE string token, so the payload's structure is that of the learned one.
      return readString(data, start - 1) === STRING && valueEnd === end + 1 ? stringValue : undefined;
    }
  }
  return data.slice(start, end);
}

/**
 * A reader for one stream: gives the {@link StreamChunk} that `toStreamChunk(JSON.parse(data), requestModel)`
 * would give for `data` when `data` is one of the common shapes, else `undefined`.
 */
export function createCommonChunkReader(requestModel: string): (data: string) => StreamChunk | undefined {
  // The tail after the content string, its closing quote included, and what it means. It was accepted by
  // the scanner with an empty content, and the scanner refuses a second `content` key: so the payload
  // CONTENT_START + literal + tail parses as that one with the literal's value as content.
  let tail = '';
  let tailModel = requestModel;
  let tailFinal = false;

  function learnTail(data: string): void {
    if (readString(data, CONTENT_START.length - 1) !== STRING) return;
    const candidate = data.slice(valueEnd - 1);
    const chunk = scanCommonChunk(CONTENT_START + candidate, requestModel);
    if (chunk === undefined) return;
    tail = candidate;
    tailModel = chunk.model;
    tailFinal = chunk.isFinal;
  }

  return (data) => {
    const contentEnd = data.length - tail.length;
    if (tail !== '' && contentEnd >= CONTENT_START.length && data.startsWith(CONTENT_START) && data.endsWith(tail)) {
      const content = contentBetween(data, CONTENT_START.length, contentEnd);
      if (content !== undefined) return { content, model: tailModel, toolCalls: [], isFinal: tailFinal };
    }
    const chunk = scanCommonChunk(data, requestModel);
    if (chunk !== undefined && data.startsWith(CONTENT_START)) learnTail(data);
    return chunk;
  };
}
