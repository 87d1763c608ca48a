/**
 * A Server-Sent-Events parser over bytes, following the WHATWG HTML "event stream interpretation" rules
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation); the RxJS
 * operator that wraps it is ./parse-sse-events. Line ends are found on the bytes and only whole lines are
 * decoded (see ./split-lines), so chunks may be cut anywhere, inside a CRLF or inside a multi-byte character.
 *
 * No Node built-in is used: it runs in browsers as it does in Node. Invalid UTF-8 becomes U+FFFD, as with the
 * spec's decoder.
 */
import type { Subscriber } from 'rxjs';
import { StreamError } from './errors';
import { createLineSplitter } from './split-lines';

/**
 * One dispatched event. `event` is the `event:` field's value, or `''` when the event had none (an
 * EventSource would call that type "message"). `id` is the last event ID *buffer* at dispatch time: as the
 * spec says, it carries over from earlier events until an `id` field changes it.
 */
export interface SseEvent {
  data: string;
  event: string;
  id: string;
}

/** What {@link createSseParser} reports to, and its bound on one line. */
export interface SseParserOptions {
  /** Called synchronously from `feed()` for each dispatched event, in stream order. */
  onEvent: (event: SseEvent) => void;
  /** Called synchronously for each `retry:` field whose value is all ASCII digits (at least one). */
  onRetry?: (ms: number) => void;
  /**
   * The longest line allowed, in bytes, line end excluded; also the most data one event may gather from its
   * `data:` lines (counted in characters, which never outnumber the bytes). Default 1 MiB.
   */
  maxLineBytes?: number;
}

/** A stateful parser for one event stream. */
export interface SseParser {
  /**
   * Parses the next bytes of the stream; events complete in them are handed to `onEvent` before it returns.
   * Returns whether the bytes carried SSE content, i.e. any part of a line that is neither blank nor a comment:
   * what an idle timer counts as life (a stream of `: keep-alive` comments is silent). Throws
   * `StreamError('line-too-long')` when a line grows past `maxLineBytes`, `StreamError('event-too-long')` when
   * an event's data does; the parser then stays failed (every later `feed()` throws the same error) until
   * `end()`. An exception thrown by `onEvent` propagates and leaves the rest of that chunk unparsed.
   */
  feed(chunk: Uint8Array): boolean;
  /**
   * The stream ended. As the spec says, a pending incomplete event (no blank line before the end) and an
   * unterminated last line are discarded, not dispatched. The parser is then fresh for a new stream.
   */
  end(): void;
}

/** The default of {@link SseParserOptions.maxLineBytes}: 1 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 1_048_576;

const COLON = 0x3a;
const SPACE = 0x20;
const LETTER_D = 0x64;
const LETTER_A = 0x61;
const LETTER_T = 0x74;

/**
 * Creates a parser whose state lives in this closure. Each event is reported through `options.onEvent`
 * synchronously; nothing is buffered beyond the current event and the current partial line.
 */
export function createSseParser(options: SseParserOptions): SseParser {
  const { onEvent, onRetry } = options;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  // The spec's data buffer is "each value + LF" with the final LF dropped at dispatch; joining with LF
  // between values gives the same string without building and trimming the trailing LF. `hasData` is what
  // "the data buffer is not empty" means: `data:` with an empty value still makes an (empty) event.
  let data = '';
  let hasData = false;
  let eventType = '';
  let lastEventId = '';
  let failure: StreamError | undefined;
  // Whether the lines handed over by the current feed() held a field (a line neither blank nor a comment).
  let sawField = false;

  // Spec, "dispatch the event": if the data buffer is empty, reset it and the event type buffer and stop;
  // else remove its one trailing LF and fire the event. The last event ID buffer is NOT reset.
  function dispatch(): void {
    if (!hasData) {
      eventType = '';
      return;
    }
    const event: SseEvent = { data, event: eventType, id: lastEventId };
    data = '';
    hasData = false;
    eventType = '';
    onEvent(event);
  }

  function appendData(value: string): void {
    if (hasData) {
      // Not in the spec, which lets an event grow forever: a server that sends `data:` lines and never the
      // blank line ending the event must not make us gather them without end. (A first value is a line,
      // bounded already.)
      if (data.length + 1 + value.length > maxLineBytes) {
        failure = new StreamError('event-too-long', `SSE event data exceeds maxLineBytes (${maxLineBytes} characters)`);
        throw failure;
      }
      data += '\n' + value;
    } else {
      data = value;
      hasData = true;
    }
  }

  /** Interprets each line of `text` (whole lines, each with its line end; see ./split-lines). */
  function onLines(text: string): void {
    const length = text.length;
    // Both next-line-end positions are cached and searched again only once passed, so the text is scanned
    // once for each character, however many lines it holds.
    let lf = text.indexOf('\n');
    if (lf < 0) lf = length;
    let cr = text.indexOf('\r');
    if (cr < 0) cr = length;
    let start = 0;
    while (start < length) {
      let end: number;
      let next: number;
      if (lf < cr) {
        end = lf;
        next = lf + 1;
        lf = text.indexOf('\n', next);
        if (lf < 0) lf = length;
      } else {
        end = cr;
        next = cr + 1;
        cr = text.indexOf('\r', next);
        if (cr < 0) cr = length;
        if (lf === next) {
          // CRLF: one line end.
          next++;
          lf = text.indexOf('\n', next);
          if (lf < 0) lf = length;
        }
      }
      const first = text.charCodeAt(start);
      // Spec: an empty line dispatches; a line starting with ':' is ignored; else it is a field.
      if (end === start) {
        dispatch();
      } else if (
        // The overwhelmingly common line, `data:…`, skips the search for the colon. (No length check: in a
        // shorter line, the line end would be one of the five chars compared.)
        first === LETTER_D &&
        text.charCodeAt(start + 4) === COLON &&
        text.charCodeAt(start + 1) === LETTER_A &&
        text.charCodeAt(start + 2) === LETTER_T &&
        text.charCodeAt(start + 3) === LETTER_A
      ) {
        sawField = true;
        appendData(text.slice(text.charCodeAt(start + 5) === SPACE ? start + 6 : start + 5, end));
      } else if (first !== COLON) {
        sawField = true;
        processField(text, start, end); // (a line starting with a colon is a comment)
      }
      start = next;
    }
  }

  /** A line that is neither blank, nor a comment, nor `data:…`: `name:value`, or a bare `name`. */
  function processField(text: string, start: number, end: number): void {
    // A loop, not indexOf: indexOf would run past the line end on colon-less lines (quadratic on a chunk).
    let colon = start;
    while (colon < end && text.charCodeAt(colon) !== COLON) colon++;
    // Spec: with a colon, the name is what precedes the first one and the value what follows it, less ONE
    // leading space; without, the whole line is the name and the value is empty.
    let valueStart = colon;
    if (colon < end) valueStart = colon + 1 < end && text.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
    // Field names compare case-sensitively and whole: `Data` or `datum` is another, unknown, field.
    switch (text.slice(start, colon)) {
      case 'data':
        appendData(text.slice(valueStart, end));
        break;
      case 'event':
        eventType = text.slice(valueStart, end);
        break;
      case 'id': {
        // Spec: "If the field value does not contain U+0000 NULL, then set the last event ID buffer".
        const id = text.slice(valueStart, end);
        if (!id.includes('\0')) lastEventId = id;
        break;
      }
      case 'retry': {
        // Spec: only "if the field value consists of only ASCII digits" (an empty value has none).
        const ms = asciiDigitsValue(text, valueStart, end);
        if (ms >= 0 && onRetry) onRetry(ms);
        break;
      }
      default: // Spec: "Otherwise: the field is ignored."
    }
  }

  const splitter = createLineSplitter(onLines, maxLineBytes);

  return {
    feed(chunk: Uint8Array): boolean {
      if (failure) throw failure;
      sawField = false;
      return splitter.push(chunk) || sawField;
    },
    end(): void {
      splitter.reset();
      failure = undefined;
      data = '';
      hasData = false;
      eventType = '';
      lastEventId = '';
    },
  };
}

/**
 * The `next` of an operator that feeds `parser` the body's chunks for `subscriber`: a parser error (a line too
 * long) becomes the subscriber's error, and chunks that come after it closed are dropped (a synchronous source
 * may go on emitting after we completed, errored or were unsubscribed). `onContent` hears of each chunk that
 * carried SSE content (see {@link SseParser.feed}).
 */
export function feedInto(parser: SseParser, subscriber: Subscriber<unknown>, onContent?: () => void): (chunk: Uint8Array) => void {
  return (chunk) => {
    if (subscriber.closed) return;
    try {
      if (parser.feed(chunk)) onContent?.();
    } catch (error) {
      subscriber.error(error);
    }
  };
}

/** The base-ten value of `text.slice(start, end)` if it is one or more ASCII digits, else -1. */
function asciiDigitsValue(text: string, start: number, end: number): number {
  if (start === end) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
