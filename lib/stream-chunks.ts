/**
 * SSE events -> {@link StreamChunk}s, with the gateway's rules: `[DONE]` ends the stream, a payload with an
 * `error` key fails it, a malformed JSON line is skipped with a warning (the reference's behaviour), and a
 * stream that ends without `[DONE]` or a final chunk is an error, never a silent truncation.
 */
import { Observable, OperatorFunction } from 'rxjs';
import { ResponseValidationError, StreamError } from './errors';
import { Logger } from './logger';
import { StreamChunk, toStreamChunk } from './protocol';
import type { SseEvent } from './sse';

/** Options of {@link toStreamChunks}. */
export interface StreamChunkOptions {
  /** Fills `model` when a chunk has none. */
  model: string;
  /** Receives the warning for a malformed line. */
  logger: Logger;
}

const DONE = '[DONE]';

/**
 * Maps each event's data to a validated {@link StreamChunk}, synchronously. Completes at `[DONE]`. Errors with
 * {@link StreamError} (`error-payload` with the payload's `detail`, else its `error`; or `truncated` when the
 * source completes before `[DONE]` and no chunk had `is_final`), or {@link ResponseValidationError}.
 *
 * @example
 * bytes$.pipe(parseSseEvents(), toStreamChunks({ model: 'm', logger: console }))
 */
export function toStreamChunks({ model, logger }: StreamChunkOptions): OperatorFunction<SseEvent, StreamChunk> {
  return (source) =>
    new Observable<StreamChunk>((subscriber) => {
      let sawFinal = false;
      const subscription = source.subscribe({
        next: ({ data }) => {
          if (data === DONE) {
            subscriber.complete();
            return;
          }
          let payload: unknown;
          try {
            payload = JSON.parse(data);
          } catch {
            logger.warn(`Failed to parse SSE line: ${data.length > 200 ? `${data.slice(0, 200)}…` : data}`);
            return;
          }
          if (payload !== null && typeof payload === 'object' && 'error' in payload) {
            subscriber.error(errorPayload(payload as Record<string, unknown>));
            return;
          }
          let chunk: StreamChunk;
          try {
            chunk = toStreamChunk(payload, model);
          } catch (error) {
            subscriber.error(error as ResponseValidationError);
            return;
          }
          if (chunk.isFinal) sawFinal = true;
          subscriber.next(chunk);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          if (sawFinal) subscriber.complete();
          else subscriber.error(new StreamError('truncated', 'Stream ended without [DONE]: the answer may be incomplete'));
        },
      });
      return subscription;
    });
}

function errorPayload(payload: Record<string, unknown>): StreamError {
  const detail = payload.detail ?? payload.error;
  return new StreamError('error-payload', typeof detail === 'string' ? detail : JSON.stringify(detail));
}
