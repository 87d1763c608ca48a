/**
 * SSE events -> {@link StreamChunk}s, with the gateway's rules: `[DONE]` ends the stream, a payload with an
 * `error` key fails it, a malformed JSON line is skipped with a warning (the reference's behaviour), and a
 * stream that ends without `[DONE]` or a final chunk is an error, never a silent truncation.
 *
 * Two operators share these rules: {@link toStreamChunks} on parsed events, and {@link parseStreamChunks},
 * straight from the body's bytes, which `chatStream$` uses: it decodes each event inside the parser's callback,
 * so no operator hop sits between the bytes and the chunk.
 */
import { asyncScheduler, Observable, OperatorFunction, SchedulerLike, Subscriber, Subscription } from 'rxjs';
import { createCommonChunkReader } from './chunk-fast-path';
import { detailOf, ResponseValidationError, StreamError } from './errors';
import { watchSilence } from './idle-timeout';
import { Logger, withoutSecret } from './logger';
import { StreamChunk, toStreamChunk } from './protocol';
import type { SseEvent } from './sse';
import { createSseDataParser, feedInto } from './sse-data-parser';

/** Options of {@link toStreamChunks}. */
export interface StreamChunkOptions {
  /** Fills `model` when a chunk has none. */
  model: string;
  /** Receives the warning for a malformed line. */
  logger: Logger;
  /**
   * What must reach no message and no log line (the request's token): cut out of the warnings and of an error
   * payload's detail, since a server may echo the request back.
   */
  secret?: string;
}

/** Options of {@link parseStreamChunks}. */
export interface ByteStreamChunkOptions extends StreamChunkOptions {
  /** The longest SSE line allowed, in bytes; default 1 MiB (see `createSseDataParser`). */
  maxLineBytes?: number;
  /**
   * Fails with a `RequestTimeoutError` (phase `first-byte`, then `idle`) when this many milliseconds pass
   * from subscribing, or from the last SSE content, without any; comments and blank lines do not count (see
   * ./idle-timeout). After a chunk marked `is_final` it completes instead: the answer is whole, the server
   * only failed to end the response (which is then cut). Default: no limit.
   */
  idleTimeoutMs?: number;
  /**
   * Times the cut after {@link DRAIN_AFTER_DONE_MS} and the idle timeout, and (when given) keeps the time the
   * idle timeout reads; default `asyncScheduler` on a monotonic clock. Tests pass a virtual one.
   */
  scheduler?: SchedulerLike;
}

const DONE = '[DONE]';

/**
 * How long the body may take to end after `[DONE]` before it is cut. Ending it ourselves would cost the
 * keep-alive connection (the next request would pay a new TCP and TLS handshake); servers end the response
 * right after `[DONE]`, so this is only ever waited in full for one that does not.
 */
export const DRAIN_AFTER_DONE_MS = 1000;

/** Applies the gateway's rules to each event's data and reports to `subscriber`; see the module comment. */
function createChunkReader(subscriber: Subscriber<StreamChunk>, { model, logger, secret = '' }: StreamChunkOptions) {
  let sawFinal = false;
  let sawDone = false;
  const readCommonChunk = createCommonChunkReader(model);

  /** The general path: the chunk, or undefined once it completed at `[DONE]`, failed, or skipped the line. */
  function generalChunk(data: string): StreamChunk | undefined {
    // The reference strips each line before reading it: `data: [DONE] ` (trailing whitespace) ends the stream
    // too, and a `data:` with only whitespace after it (a heartbeat some servers send) is skipped unremarked.
    const trimmed = data.trimEnd();
    if (trimmed === DONE) {
      sawDone = true;
      subscriber.complete();
      return undefined;
    }
    if (trimmed === '') return undefined;
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      // Scrubbed before the cut: a token cut in two at 200 characters would no longer be found.
      const line = withoutSecret(data, secret);
      logger.warn(`Failed to parse SSE line: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`);
      return undefined;
    }
    if (payload !== null && typeof payload === 'object' && 'error' in payload) {
      subscriber.error(new StreamError('error-payload', withoutSecret(detailOf(payload), secret)));
      return undefined;
    }
    try {
      return toStreamChunk(payload, model);
    } catch (error) {
      subscriber.error(error as ResponseValidationError);
      return undefined;
    }
  }

  return {
    /** Whether `[DONE]` completed the stream. */
    done: () => sawDone,
    /** One event's data: emits its chunk, completes at `[DONE]`, errors on an error payload or a wrong shape. */
    data(data: string): void {
      const chunk = readCommonChunk(data) ?? generalChunk(data);
      if (chunk === undefined) return;
      if (chunk.isFinal) sawFinal = true;
      subscriber.next(chunk);
    },
    /**
     * The source ended, or (with `failure`) broke off, fell silent or sent a line too long: fine after a final
     * chunk (the answer is whole; the server only failed to end it), else the answer may be cut short.
     */
    end(failure?: unknown): void {
      // Ended after [DONE] (the body drains to its end, see DRAIN_AFTER_DONE_MS): nobody is left to tell, and
      // an error made for nobody costs a stack trace on every stream.
      if (subscriber.closed) return;
      if (sawFinal) subscriber.complete();
      else subscriber.error(failure ?? new StreamError('truncated', 'Stream ended without [DONE]: the answer may be incomplete'));
    },
  };
}

/**
 * Maps each event's data to a validated {@link StreamChunk}, synchronously. Completes at `[DONE]`. Errors with
 * {@link StreamError} (`error-payload` with the payload's `detail`, else its `error`; or `truncated` when the
 * source completes before `[DONE]` and no chunk had `is_final`), or {@link ResponseValidationError}, or the
 * source's error unless a chunk had `is_final` (then it completes: the answer is whole).
 *
 * @example
 * bytes$.pipe(parseSseEvents(), toStreamChunks({ model: 'm', logger: console }))
 */
export function toStreamChunks(options: StreamChunkOptions): OperatorFunction<SseEvent, StreamChunk> {
  return (source) =>
    new Observable<StreamChunk>((subscriber) => {
      const reader = createChunkReader(subscriber, options);
      return source.subscribe({
        next: (event) => reader.data(event.data),
        error: (error: unknown) => reader.end(error),
        complete: () => reader.end(),
      });
    });
}

/**
 * `parseSseEvents(options)` then `toStreamChunks(options)` in one operator, from a body's byte chunks to
 * {@link StreamChunk}s: same emissions, same completion, same errors (those two raise, plus any source
 * error), several times cheaper per event. One difference: completing at `[DONE]` does not unsubscribe from
 * the source at once but lets it run to its end, for up to {@link DRAIN_AFTER_DONE_MS} (see there);
 * unsubscribing, or an error, still unsubscribes from it at once.
 *
 * @example
 * bytes$.pipe(parseStreamChunks({ model: 'm', logger: console, maxLineBytes: 1 << 20 }))
 */
export function parseStreamChunks(options: ByteStreamChunkOptions): OperatorFunction<Uint8Array, StreamChunk> {
  const { idleTimeoutMs, scheduler = asyncScheduler } = options;
  // Real time on a monotonic clock (see watchSilence); a given scheduler's (a test's) time as it keeps it.
  const now = options.scheduler ? () => scheduler.now() : () => performance.now();
  return (source) =>
    new Observable<StreamChunk>((subscriber) => {
      const reader = createChunkReader(subscriber, options);
      // Started before the source is subscribed (which sends the request): `first-byte` covers the whole wait.
      const silence = idleTimeoutMs === undefined ? undefined : watchSilence(idleTimeoutMs, (error) => reader.end(error), scheduler, now);
      const parser = createSseDataParser({
        // After [DONE] or an error the rest of the chunk is still parsed: its events are not ours to report.
        onData: (data) => {
          if (!subscriber.closed) reader.data(data);
        },
        maxLineBytes: options.maxLineBytes,
      });
      let drainLimit: Subscription | undefined;
      const upstream = source.subscribe({
        // A parser failure (a line too long) is reported as a source error would be by parseSseEvents, so that
        // after a final chunk it completes here as it does in toStreamChunks: the answer is whole.
        next: feedInto(parser, subscriber, silence?.heard, (error) => reader.end(error)),
        error(error: unknown) {
          drainLimit?.unsubscribe();
          reader.end(error);
        },
        complete() {
          drainLimit?.unsubscribe();
          parser.end();
          reader.end();
        },
      });
      return () => {
        silence?.stop();
        // Unsubscribed, failed, or completed without [DONE] (a final chunk, then a break or a line too long):
        // cut the body now (which aborts the request).
        if (!reader.done()) return upstream.unsubscribe();
        // Completed at [DONE]: let the rest of the body arrive (and be ignored), so the response ends
        // normally and its connection can be reused; cut it only if it does not end soon.
        if (!upstream.closed) drainLimit = scheduler.schedule(() => upstream.unsubscribe(), DRAIN_AFTER_DONE_MS);
      };
    });
}
