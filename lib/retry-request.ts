/**
 * The one retry policy: when a request is sent again, and with which token. A 401 is re-sent once, after a
 * token refresh (see ./auth), and never after a second 401 in a row; a passing failure (a connection error,
 * 429, 503, 504) is re-sent after a backoff when the caller opted in. Never another 4xx, never once the
 * request has emitted: a stream that has begun is never replayed, so no chunk is delivered twice.
 */
import { asyncScheduler, catchError, defer, Observable, of, retry, SchedulerLike, tap, throwError, timer } from 'rxjs';
import { TokenAuth } from './auth';
import { ClientStatus } from './client-status';
import { AuthenticationError, ConnectionError, LLMProviderError } from './errors';
import { LONGEST_TIMER_MS } from './timer-limit';

/** How often and how patiently to re-send after a passing failure. */
export interface RetryPolicy {
  /** Re-sends at most, per request, as in RxJS `retry` (a 401's one re-send after its refresh not counted). */
  count: number;
  /** The first backoff before jitter (which takes off up to half), doubled for each further attempt. Default 500 ms. */
  baseDelayMs?: number;
  /** No wait is longer, `Retry-After` included. Default 30 000 ms. */
  maxDelayMs?: number;
}

/** What {@link retryRequest} needs besides the request: the token side, the policy, and where to report. */
export interface RetryRequestOptions {
  auth: TokenAuth;
  /** Re-sends after passing failures; without it only the 401 re-send happens. */
  policy?: RetryPolicy;
  onRetry?: (status: ClientStatus) => void;
  /** For tests: the clock of the backoff and the dice of its jitter. */
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
 * capped by `maxDelayMs` (and {@link LONGEST_TIMER_MS}) either way.
 */
export function backoffDelayMs(attempt: number, retryAfterMs: number | undefined, policy: RetryPolicy, random: () => number): number {
  const { baseDelayMs = 500, maxDelayMs = 30_000 } = policy;
  const cap = Math.min(maxDelayMs, LONGEST_TIMER_MS);
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, cap);
  const exponential = baseDelayMs * 2 ** (attempt - 1);
  // Whole milliseconds: what status$ shows ("reconnecting in 1.2 s") reads better than 1187.2551…
  return Math.min(Math.round(exponential / 2 + random() * (exponential / 2)), cap);
}

/** True for the 401 answer of a request (not for a failed refresh, which has no status). */
function isUnauthorized(error: unknown): error is AuthenticationError {
  return error instanceof AuthenticationError && error.status === 401;
}

/**
 * A failed refresh as this request's error: the 401 it could not cure (its status and request), with the
 * refresh's reason as `cause`. The refresher's own error is shared by every request that waited on it.
 */
function uncured(unauthorized: AuthenticationError, failure: AuthenticationError): AuthenticationError {
  return new AuthenticationError(failure.message, { status: 401, request: unauthorized.request, cause: failure.cause });
}

/**
 * Sends with the current token (read at each send) and re-sends:
 * - after a 401, ONCE: at once with the current token when another request's refresh already replaced the one
 *   this request used, else after the shared refresh. With no refresh configured, or a second 401 in a row, it
 *   errors with that 401's {@link AuthenticationError}. A passing failure in between starts a new run: the
 *   token may expire again during a backoff;
 * - after a passing failure before anything was emitted, up to `policy.count` times, waiting
 *   {@link backoffDelayMs} and reporting each through `onRetry` first.
 * Any other failure, or one after an emission, is the result's error.
 *
 * @example
 * retryRequest((token) => postForJson({ url, body, token, model }, transport), { auth, policy: { count: 3 } })
 */
export function retryRequest<T>(send: (token: string) => Observable<T>, options: RetryRequestOptions): Observable<T> {
  const { auth: { token, refresher }, policy, onRetry, scheduler = asyncScheduler, random = Math.random } = options;
  return defer(() => {
    let sentWith = '';
    let sentAt = 0;
    let emitted = false;
    let refreshed = false;
    let retries = 0;
    return defer(() => {
      sentWith = token();
      sentAt = refresher?.settled() ?? 0;
      return send(sentWith);
    }).pipe(
      tap(() => (emitted = true)),
      retry({
        delay: (error: unknown) => {
          if (isUnauthorized(error) && !refreshed) {
            refreshed = true;
            const current = token();
            if (current !== sentWith) return of(current);
            if (refresher) return refresher.refresh$(sentAt).pipe(catchError((failure: AuthenticationError) => throwError(() => uncured(error, failure))));
          }
          const reason = policy && !emitted && retries < policy.count ? transientReason(error) : undefined;
          if (!policy || reason === undefined) return throwError(() => error);
          retries++;
          // A 401 after this re-send is a new expiry (the token may have run out during the backoff), not the
          // refreshed token refused: it may refresh again. Two 401s in a row still end it, and a refresh needs a
          // passing failure between, so a request refreshes `count` + 1 times at most.
          refreshed = false;
          const delayMs = backoffDelayMs(retries, (error as LLMProviderError).retryAfterMs, policy, random);
          onRetry?.({ type: 'retrying', attempt: retries, delayMs, reason });
          return timer(delayMs, scheduler);
        },
      }),
    );
  });
}
