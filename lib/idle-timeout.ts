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
 * lazily, not one per chunk: the hot path only stores a timestamp, read from `now`. That must be a monotonic
 * clock (`performance.now`), not `Date.now` (what `asyncScheduler.now()` reads): an NTP step or a machine's
 * resume moves the wall clock, which would hold a dead stream open or cut a live one. A virtual scheduler's
 * own `now` is what its tests give.
 *
 * @example
 * const watch = watchSilence(30_000, (error) => subscriber.error(error), asyncScheduler, () => performance.now());
 * // for each chunk: if (parser.feed(chunk)) watch.heard();   on teardown: watch.stop();
 */
export function watchSilence(
  timeoutMs: number,
  onTimeout: (error: RequestTimeoutError) => void,
  scheduler: SchedulerLike,
  now: () => number,
): SilenceWatch {
  let lastHeard = now();
  let heardAny = false;
  let timer: Subscription | undefined;
  const check = () => {
    const silentFor = now() - lastHeard;
    if (silentFor >= timeoutMs) onTimeout(new RequestTimeoutError(timeoutMs, heardAny ? 'idle' : 'first-byte'));
    else timer = scheduler.schedule(check, timeoutMs - silentFor);
  };
  timer = scheduler.schedule(check, timeoutMs);
  return {
    heard() {
      lastHeard = now();
      heardAny = true;
    },
    stop: () => timer?.unsubscribe(),
  };
}
