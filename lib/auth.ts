/**
 * The JWT side of the client: a single-flight refresh shared by every request that waits on it, and
 * {@link refreshOn401}, which re-sends a request once after a 401 with the token the refresh produced.
 */
import { BehaviorSubject, defer, first, from, Observable, of, ReplaySubject, retry, share, tap, throwError, timeout } from 'rxjs';
import { catchError } from 'rxjs/operators';
import { AuthenticationError, RequestTimeoutError } from './errors';
import { Logger } from './logger';

/** Gets a new JWT: an Observable (its first value counts) or a Promise. */
export type RefreshToken = () => Observable<string> | Promise<string>;

/** What {@link refreshOn401} needs: the current token and, when refreshing is possible, the shared refresh. */
export interface TokenAuth {
  token$: BehaviorSubject<string>;
  /** Emits the new token once (already pushed into `token$`), or errors with {@link AuthenticationError}. */
  refresh$?: Observable<string>;
}

/**
 * Wraps `refreshToken` so that any number of concurrent subscribers share ONE call while it is in flight; the
 * next subscriber after it settles starts a fresh one. The new token is pushed into `token$` before anyone
 * hears of it. A refresh that throws, errors, gives no token or takes longer than `timeoutMs` errors with
 * {@link AuthenticationError} (the original failure as `cause`) for every waiter.
 */
export function sharedRefresh(
  token$: BehaviorSubject<string>,
  refreshToken: RefreshToken,
  { timeoutMs, logger }: { timeoutMs: number; logger: Logger },
): Observable<string> {
  return defer(() => {
    logger.debug?.('LLM gateway returned 401; refreshing the token');
    return from(refreshToken());
  }).pipe(
    first(),
    timeout({ first: timeoutMs, with: () => throwError(() => new RequestTimeoutError(timeoutMs, 'refresh')) }),
    tap((token) => {
      if (typeof token !== 'string' || token === '') throw new TypeError('refreshToken gave no token');
      token$.next(token);
    }),
    catchError((cause: unknown) => {
      const reason = cause instanceof Error ? cause.message : String(cause);
      logger.warn(`Token refresh failed: ${reason}`);
      return throwError(() => new AuthenticationError(`Token refresh failed: ${reason}`, { cause }));
    }),
    // Shared while in flight; reset once settled so a later 401 triggers a new refresh. Not reset when every
    // waiter unsubscribes: a refresh that was started finishes and stores its token.
    share({ connector: () => new ReplaySubject<string>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: false }),
  );
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
 * refreshOn401({ token$, refresh$ }, (token) => postForJson({ url, body, token, model }, transport))
 */
export function refreshOn401<T>({ token$, refresh$ }: TokenAuth, send: (token: string) => Observable<T>): Observable<T> {
  return defer(() => {
    let sentWith = token$.value;
    return defer(() => {
      sentWith = token$.value;
      return send(sentWith);
    }).pipe(
      retry({
        count: 1,
        delay: (error: unknown) => {
          if (!isUnauthorized(error)) return throwError(() => error);
          if (token$.value !== sentWith) return of(token$.value);
          return refresh$ ?? throwError(() => error);
        },
      }),
    );
  });
}
