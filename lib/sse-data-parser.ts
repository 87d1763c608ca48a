/**
 * The core of the Server-Sent-Events parser: bytes to each event's data, following the WHATWG HTML "event
 * stream interpretation" rules (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 * Line ends are found on the bytes and only whole lines are decoded (see ./split-lines), so chunks may be cut
 * anywhere, inside a CRLF or inside a multi-byte character.
 *
 * The `event`, `id` and `retry` fields are handed on as they come, not interpreted: `chatStream$` reads the
 * data alone and so carries no code for them; ./sse builds the spec's whole event (type, last event ID, retry)
 * on top of this.
 *
 * No Node built-in is used: it runs in browsers as it does in Node. Invalid UTF-8 becomes U+FFFD, as with the
 * spec's decoder.
 */
import type { Subscriber } from 'rxjs';
import { StreamError } from './errors';
import { createLineSplitter } from './split-lines';

/** What {@link createSseDataParser} reports to, and its bound on one line. */
export interface SseDataParserOptions {
  /** Called synchronously from `feed()` with each dispatched event's data, in stream order. */
  onData: (data: string) => void;
  /** Called synchronously for each field other than `data` (`event`, `id`, `retry`, unknown ones), uninterpreted. */
  onField?: (name: string, value: string) => void;
  /** Called at each blank line that dispatches no event (no data since the last one): the spec resets the event type there. */
  onBlankWithoutData?: () => void;
  /**
   * The longest line allowed, in bytes, line end excluded; also the most data one event may gather from its
   * `data:` lines (counted in characters, which never outnumber the bytes). Default 1 MiB.
   */
  maxLineBytes?: number;
}

/** A stateful parser for one event stream. */
export interface SseParser {
  /**
   * Parses the next bytes of the stream; events complete in them are reported before it returns.
   * Returns whether the bytes carried SSE content, i.e. any part of a line that is neither blank nor a comment:
   * what an idle timer counts as life (a stream of `: keep-alive` comments is silent). Throws
   * `StreamError('line-too-long')` when a line grows past `maxLineBytes`, `StreamError('event-too-long')` when
   * an event's data does; the parser then stays failed (every later `feed()` throws the same error) until
   * `end()`. An exception thrown by a callback propagates and leaves the rest of that chunk unparsed.
   */
  feed(chunk: Uint8Array): boolean;
  /**
   * The stream ended. As the spec says, a pending incomplete event (no blank line before the end) and an
   * unterminated last line are discarded, not dispatched. The parser is then fresh for a new stream.
   */
  end(): void;
}

/** The default of {@link SseDataParserOptions.maxLineBytes}: 1 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 1_048_576;

const COLON = 0x3a;
const SPACE = 0x20;
const LETTER_D = 0x64;
const LETTER_A = 0x61;
const LETTER_T = 0x74;

/**
 * Creates a parser whose state lives in this closure. Each event's data is reported through `options.onData`
 * synchronously; nothing is buffered beyond the current event and the current partial line.
 */
export function createSseDataParser(options: SseDataParserOptions): SseParser {
  const { onData, onField, onBlankWithoutData } = options;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  // The spec's data buffer is "each value + LF" with the final LF dropped at dispatch; joining with LF
  // between values gives the same string without building and trimming the trailing LF. `hasData` is what
  // "the data buffer is not empty" means: `data:` with an empty value still makes an (empty) event.
  let data = '';
  let hasData = false;
  let failure: StreamError | undefined;
  // Whether the lines handed over by the current feed() held a field (a line neither blank nor a comment).
  let sawField = false;

  // Spec, "dispatch the event": if the data buffer is empty, reset it and the event type buffer and stop;
  // else remove its one trailing LF and fire the event. State is reset before the callback, which may throw.
  function dispatch(): void {
    if (!hasData) {
      onBlankWithoutData?.();
      return;
    }
    const event = data;
    data = '';
    hasData = false;
    onData(event);
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
    // Field names compare case-sensitively and whole: `Data` or `datum` is another field.
    const name = text.slice(start, colon);
    if (name === 'data') appendData(text.slice(valueStart, end));
    else onField?.(name, text.slice(valueStart, end));
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
    },
  };
}

/**
 * The `next` of an operator that feeds `parser` the body's chunks for `subscriber`: a parser error (a line too
 * long) goes to `onFailure` (default: the subscriber's error), and chunks that come after it closed are dropped
 * (a synchronous source may go on emitting after we completed, errored or were unsubscribed). `onContent` hears
 * of each chunk that carried SSE content (see {@link SseParser.feed}).
 */
export function feedInto(
  parser: SseParser,
  subscriber: Subscriber<unknown>,
  onContent?: () => void,
  onFailure: (error: unknown) => void = (error) => subscriber.error(error),
): (chunk: Uint8Array) => void {
  return (chunk) => {
    if (subscriber.closed) return;
    try {
      if (parser.feed(chunk)) onContent?.();
    } catch (error) {
      onFailure(error);
    }
  };
}
