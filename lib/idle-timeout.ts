/**
 * The stream's patience: a watch that fails when `timeoutMs` pass without SSE content, before the first or
 * between two. What counts as content is the SSE parser's to say (it reads the lines anyway; see
 * `SseParser.feed`): a server (or a proxy) sending nothing but `: keep-alive` comments and blank lines cannot
 * hold a dead stream open for ever, while a slow server trickling an event one byte at a time is not cut off.
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import { RequestTimeoutError } from './errors';

/** A running watch: told of each piece of content, stopped when the stream ends. */
export interface SilenceWatch {
  /** Content arrived: the silence starts again from now. */
  heard(): void;
  /** The stream ended or was left: cancels the timer. */
  stop(): void;
}

/**
 * Starts a watch that calls `onTimeout` once with a {@link RequestTimeoutError} after `timeoutMs` without
 * {@link SilenceWatch.heard}: phase `first-byte` when nothing was heard yet, `idle` after. One timer re-armed
 * lazily, not one per chunk: the hot path only stores a timestamp.
 *
 * @example
 * const watch = watchSilence(30_000, (error) => subscriber.error(error), asyncScheduler);
 * // for each chunk: if (parser.feed(chunk)) watch.heard();   on teardown: watch.stop();
 */
export function watchSilence(timeoutMs: number, onTimeout: (error: RequestTimeoutError) => void, scheduler: SchedulerLike): SilenceWatch {
  let lastHeard = scheduler.now();
  let heardAny = false;
  let timer: Subscription | undefined;
  const check = () => {
    const silentFor = scheduler.now() - lastHeard;
    if (silentFor >= timeoutMs) onTimeout(new RequestTimeoutError(timeoutMs, heardAny ? 'idle' : 'first-byte'));
    else timer = scheduler.schedule(check, timeoutMs - silentFor);
  };
  timer = scheduler.schedule(check, timeoutMs);
  return {
    heard() {
      lastHeard = scheduler.now();
      heardAny = true;
    },
    stop: () => timer?.unsubscribe(),
  };
}
