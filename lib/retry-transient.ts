/**
 * Opt-in re-sending of requests that failed for a passing reason: a connection error, 429, 503 or 504. Never
 * another 4xx, never once the request has emitted (a stream that has begun is never replayed, so no chunk is
 * delivered twice).
 */
import { asyncScheduler, defer, MonoTypeOperatorFunction, retry, SchedulerLike, tap, throwError, timer } from 'rxjs';
import { ClientStatus } from './client-status';
import { ConnectionError, LLMProviderError } from './errors';

/** How often and how patiently to re-send. */
export interface RetryPolicy {
  /** Re-sends at most, as in RxJS `retry`. */
  count: number;
  /** The first backoff, doubled for each further attempt. Default 500 ms. */
  baseDelayMs?: number;
  /** No wait is longer, `Retry-After` included. Default 30 000 ms. */
  maxDelayMs?: number;
}

/** Hooks of {@link retryTransient}: where to report, and (for tests) the clock and the dice. */
export interface RetryHooks {
  onRetry?: (status: ClientStatus) => void;
  scheduler?: SchedulerLike;
  random?: () => number;
}

const TRANSIENT_STATUSES = new Set([429, 503, 504]);

/** Why `error` is worth another try, or undefined when it is not. */
export function transientReason(error: unknown): string | undefined {
  if (error instanceof ConnectionError) {
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? code : 'connection error';
  }
  if (error instanceof LLMProviderError && error.status !== undefined && TRANSIENT_STATUSES.has(error.status)) {
    return `status ${error.status}`;
  }
  return undefined;
}

/**
 * The wait before re-send number `attempt` (1-based): the server's `Retry-After` when it gave one, else
 * exponential backoff with "equal jitter" (half fixed, half random, so synchronized clients spread out);
 * capped by `maxDelayMs` either way.
 */
export function backoffDelayMs(attempt: number, retryAfterMs: number | undefined, policy: RetryPolicy, random: () => number): number {
  const { baseDelayMs = 500, maxDelayMs = 30_000 } = policy;
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, maxDelayMs);
  const exponential = baseDelayMs * 2 ** (attempt - 1);
  return Math.min(exponential / 2 + random() * (exponential / 2), maxDelayMs);
}

/**
 * Re-subscribes to the source (which sends the request again) after a transient failure, up to
 * `policy.count` times, waiting {@link backoffDelayMs}. Reports each re-send through `onRetry` before the wait.
 * Errors with the last failure when the count is spent, at once for a non-transient failure, and at once for
 * any failure after the source has emitted.
 *
 * @example
 * send$.pipe(retryTransient({ count: 3, baseDelayMs: 200 }, { onRetry: (s) => console.log(s) }))
 */
export function retryTransient<T>(policy: RetryPolicy, hooks: RetryHooks = {}): MonoTypeOperatorFunction<T> {
  const { onRetry, scheduler = asyncScheduler, random = Math.random } = hooks;
  return (source) =>
    defer(() => {
      let emitted = false;
      return source.pipe(
        tap(() => (emitted = true)),
        retry({
          count: policy.count,
          delay: (error: unknown, attempt: number) => {
            const reason = emitted ? undefined : transientReason(error);
            if (reason === undefined) return throwError(() => error);
            const delayMs = backoffDelayMs(attempt, (error as LLMProviderError).retryAfterMs, policy, random);
            onRetry?.({ type: 'retrying', attempt, delayMs, reason });
            return timer(delayMs, scheduler);
          },
        }),
      );
    });
}
