/**
 * The JWT side of the client: a single-flight refresh shared by every request that waits on it, and
 * {@link refreshOn401}, which re-sends a request once after a 401 with the token the refresh produced.
 */
import { BehaviorSubject, catchError, defer, first, from, Observable, of, ReplaySubject, retry, share, tap, throwError, timeout } from 'rxjs';
import { ClientStatus } from './client-status';
import { AuthenticationError, RequestTimeoutError } from './errors';
import { Logger } from './logger';

/** Gets a new JWT: an Observable (its first value counts) or a Promise. */
export type RefreshToken = () => Observable<string> | Promise<string>;

/** What {@link refreshOn401} needs: the current token and, when refreshing is possible, the refresher. */
export interface TokenAuth {
  token$: BehaviorSubject<string>;
  refresher?: TokenRefresher;
}

/** A single-flight refresh, made by {@link createTokenRefresher}. */
export interface TokenRefresher {
  /** How many refreshes have settled so far; a request notes it when it is sent. */
  settled(): number;
  /**
   * Joins the refresh in flight or starts one; emits the new token (already in `token$`) once. When a refresh
   * that settled after `sentAt` failed, fails at once with its {@link AuthenticationError}: the request was
   * sent before that refresh, so a second attempt for the same stale token would only repeat it.
   */
  refresh$(sentAt: number): Observable<string>;
}

/**
 * Wraps `refreshToken` so that any number of concurrent waiters share ONE call while it is in flight; the
 * next waiter after it settles starts a fresh one. The new token is pushed into `token$` before anyone
 * hears of it. A refresh that throws, errors, gives no token or takes longer than `timeoutMs` errors with
 * {@link AuthenticationError} (the original failure as `cause`) for every waiter.
 */
export function createTokenRefresher(
  token$: BehaviorSubject<string>,
  refreshToken: RefreshToken,
  { timeoutMs, logger, onRefresh }: { timeoutMs: number; logger: Logger; onRefresh?: (status: ClientStatus) => void },
): TokenRefresher {
  let settled = 0;
  let lastFailure: AuthenticationError | undefined;
  const shared$ = defer(() => {
    logger.debug?.('LLM gateway returned 401; refreshing the token');
    onRefresh?.({ type: 'refreshing', attempt: 1, delayMs: 0, reason: '401' });
    return from(refreshToken());
  }).pipe(
    first(),
    timeout({ first: timeoutMs, with: () => throwError(() => new RequestTimeoutError(timeoutMs, 'refresh')) }),
    tap((token) => {
      if (typeof token !== 'string' || token === '') throw new TypeError('refreshToken gave no token');
    }),
    catchError((cause: unknown) => {
      const reason = cause instanceof Error ? cause.message : String(cause);
      logger.warn(`Token refresh failed: ${reason}`);
      return throwError(() => new AuthenticationError(`Token refresh failed: ${reason}`, { cause }));
    }),
    // Settle before any waiter hears: a 401 handled after this point must see the new state.
    tap({
      next: (token) => {
        settled++;
        lastFailure = undefined;
        token$.next(token);
      },
      error: (error: AuthenticationError) => {
        settled++;
        lastFailure = error;
      },
    }),
    // Shared while in flight; reset once settled so a later 401 triggers a new refresh. Not reset when every
    // waiter unsubscribes: a refresh that was started finishes and stores its token.
    share({ connector: () => new ReplaySubject<string>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: false }),
  );
  return {
    settled: () => settled,
    refresh$: (sentAt) => defer(() => (lastFailure && settled > sentAt ? throwError(() => lastFailure) : shared$)),
  };
}

/** True for the 401 answer of a request (not for a failed refresh, which has no status). */
function isUnauthorized(error: unknown): boolean {
  return error instanceof AuthenticationError && error.status === 401;
}

/**
 * Sends with the current token and, on a 401, re-sends ONCE: at once with the current token when another
 * request's refresh already replaced the one this request used, else after the shared refresh. With no
 * refresh configured, or a second 401, it errors with {@link AuthenticationError}.
 *
 * @example
 * refreshOn401({ token$, refresher }, (token) => postForJson({ url, body, token, model }, transport))
 */
export function refreshOn401<T>({ token$, refresher }: TokenAuth, send: (token: string) => Observable<T>): Observable<T> {
  return defer(() => {
    let sentWith = token$.value;
    let sentAt = 0;
    return defer(() => {
      sentWith = token$.value;
      sentAt = refresher?.settled() ?? 0;
      return send(sentWith);
    }).pipe(
      retry({
        count: 1,
        delay: (error: unknown) => {
          if (!isUnauthorized(error)) return throwError(() => error);
          if (token$.value !== sentWith) return of(token$.value);
          return refresher ? refresher.refresh$(sentAt) : throwError(() => error);
        },
      }),
    );
  });
}
