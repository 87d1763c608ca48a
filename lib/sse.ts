/**
 * The whole Server-Sent-Events parser of the WHATWG HTML "event stream interpretation" rules
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation): events with
 * their data, type and last event ID, and `retry` reconnection times. The line and data handling is
 * ./sse-data-parser's; this adds the `event`, `id` and `retry` fields. The RxJS operator that wraps it is
 * ./parse-sse-events.
 */
import { createSseDataParser, type SseParser } from './sse-data-parser';

export type { SseParser } from './sse-data-parser';

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

/**
 * Creates a parser whose state lives in this closure; `feed()` and `end()` behave as
 * {@link createSseDataParser}'s. Each event is reported through `options.onEvent` synchronously.
 */
export function createSseParser(options: SseParserOptions): SseParser {
  const { onEvent, onRetry } = options;
  let eventType = '';
  let lastEventId = '';
  const parser = createSseDataParser({
    // Spec, "dispatch the event": the event type buffer is reset at every dispatch, the last event ID
    // buffer is NOT. Reset before the callback, which may throw.
    onData(data) {
      const event: SseEvent = { data, event: eventType, id: lastEventId };
      eventType = '';
      onEvent(event);
    },
    onBlankWithoutData() {
      eventType = '';
    },
    onField(name, value) {
      switch (name) {
        case 'event':
          eventType = value;
          break;
        case 'id':
          // Spec: "If the field value does not contain U+0000 NULL, then set the last event ID buffer".
          if (!value.includes('\0')) lastEventId = value;
          break;
        case 'retry': {
          // Spec: only "if the field value consists of only ASCII digits" (an empty value has none).
          const ms = asciiDigitsValue(value);
          if (ms >= 0 && onRetry) onRetry(ms);
          break;
        }
        default: // Spec: "Otherwise: the field is ignored."
      }
    },
    maxLineBytes: options.maxLineBytes,
  });
  return {
    feed: (chunk) => parser.feed(chunk),
    end() {
      parser.end();
      eventType = '';
      lastEventId = '';
    },
  };
}

/** The base-ten value of `text` if it is one or more ASCII digits, else -1. */
function asciiDigitsValue(text: string): number {
  if (text === '') return -1;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
