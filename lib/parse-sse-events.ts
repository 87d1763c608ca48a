/** The SSE parser as an RxJS operator: byte chunks in, {@link SseEvent}s out. */
import { Observable, type OperatorFunction } from 'rxjs';
import { createSseParser, type SseEvent } from './sse';
import { feedInto } from './sse-data-parser';

/**
 * An operator from a body's byte chunks to its SSE events: each chunk is fed to a {@link createSseParser}
 * parser and its events are emitted synchronously. Errors with the parser's `StreamError('line-too-long')`
 * and with any source error; on source completion the parser is ended (an incomplete last event is dropped)
 * and the result completes.
 */
export function parseSseEvents(
  options: { maxLineBytes?: number; onRetry?: (ms: number) => void } = {},
): OperatorFunction<Uint8Array, SseEvent> {
  return (source) =>
    new Observable<SseEvent>((subscriber) => {
      const parser = createSseParser({
        onEvent: (event) => subscriber.next(event),
        onRetry: options.onRetry,
        maxLineBytes: options.maxLineBytes,
      });
      return source.subscribe({
        next: feedInto(parser, subscriber),
        error: (error: unknown) => subscriber.error(error),
        complete() {
          parser.end();
          subscriber.complete();
        },
      });
    });
}
