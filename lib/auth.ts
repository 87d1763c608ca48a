/**
 * The JWT side of the client: the current token, and a single-flight refresh shared by every request that
 * waits on it. When a 401 is re-sent, and with which token, is ./retry-request's decision.
 */
import { BehaviorSubject, catchError, defer, finalize, first, from, Observable, ReplaySubject, share, tap, throwError, timeout } from 'rxjs';
import { ClientStatus } from './client-status';
import { AuthenticationError, keptCause, LLMProviderError, messageOf, RequestTimeoutError } from './errors';
import { Logger, withoutSecret } from './logger';

/** Gets a new JWT: an Observable (its first value counts) or a Promise. */
export type RefreshToken = () => Observable<string> | Promise<string>;

/**
 * The current token (read through a function, so an object holding this shows no token when printed) and,
 * when refreshing is possible, the refresher.
 */
export interface TokenAuth {
  token: () => string;
  refresher?: TokenRefresher;
}

/** A single-flight refresh, made by {@link createTokenRefresher}. */
export interface TokenRefresher {
  /** How many refreshes have settled so far; a request notes it when it is sent. */
  settled(): number;
  /**
   * Joins the refresh in flight or starts one; emits the new token (already in `token$`) once. When none is in
   * flight and a refresh that settled after `sentAt` failed, fails at once with its {@link AuthenticationError}:
   * the request was sent before that refresh, so a second attempt for the same stale token would only repeat it.
   */
  refresh$(sentAt: number): Observable<string>;
}

/**
 * The token in `token$`. A `token$` that errored (an app's way to log out) or was closed throws when read: its
 * error is passed on as it is when it is one of ours, else as the cause of an {@link AuthenticationError}, so
 * that every error of a request is an {@link LLMProviderError}.
 */
export function currentToken(token$: BehaviorSubject<string>): string {
  try {
    return token$.value;
  } catch (error) {
    throw error instanceof LLMProviderError ? error : new AuthenticationError(`token$ gave no token: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * The refresh call in flight for each `token$`, across clients: clients built over one `token$` (a client per
 * feature over an app's one auth service) join one call rather than spend the refresh token once each, which a
 * server rotating refresh tokens (each good once, a reuse revoking the session) would answer by logging out.
 */
const callsInFlight = new WeakMap<BehaviorSubject<string>, Observable<string>>();

/**
 * Joins the call of `refreshToken` in flight for `token$`, or starts one: its first value, checked to be a
 * token and pushed into `token$` once, whichever clients wait on it.
 */
function refreshCall(token$: BehaviorSubject<string>, refreshToken: RefreshToken): Observable<string> {
  const running = callsInFlight.get(token$);
  if (running) return running;
  const call: Observable<string> = defer(() => from(refreshToken())).pipe(
    first(null, ''), // completing without a token is as wrong as giving '' (and says so below, not "no elements")
    tap((token) => {
      if (typeof token !== 'string' || token === '') throw new TypeError('refreshToken gave no token');
      token$.next(token);
    }),
    finalize(() => {
      if (callsInFlight.get(token$) === call) callsInFlight.delete(token$);
    }),
    // Unlike each client's own share below, a call no client waits on any more (each timed out) is dropped.
    share({ connector: () => new ReplaySubject<string>(1), resetOnError: true, resetOnComplete: true }),
  );
  callsInFlight.set(token$, call);
  return call;
}

/**
 * Wraps `refreshToken` so that any number of concurrent waiters share ONE call while it is in flight, with
 * those of every other client over the same `token$`; the next waiter after it settles starts a fresh one. The
 * new token is pushed into `token$` before anyone hears of it. A refresh that throws, errors, gives no token
 * or takes longer than `timeoutMs` errors with {@link AuthenticationError} (the original failure as `cause`)
 * for every waiter; the logger hears of it only when no waiter is left.
 */
export function createTokenRefresher(
  token$: BehaviorSubject<string>,
  refreshToken: RefreshToken,
  { timeoutMs, logger, onRefresh }: { timeoutMs: number; logger: Logger; onRefresh?: (status: ClientStatus) => void },
): TokenRefresher {
  let settled = 0;
  let lastFailure: AuthenticationError | undefined;
  // A refresh started and not yet settled: a 401 that comes now joins it, even one sent before a refresh
  // that failed (this one came after that failure, and may yet cure the token).
  let inFlight = false;
  // Requests subscribed to the refresh: each one errors with its failure, so the logger is told only when
  // none is left to hear it (all unsubscribed while it ran), rather than say it a second time.
  let waiting = 0;
  // The token being replaced: a refresh that fails may quote it (an HTTP error echoing the request).
  let stale = '';
  const shared$ = defer(() => {
    inFlight = true;
    stale = token$.value;
    logger.debug?.('LLM gateway returned 401; refreshing the token');
    onRefresh?.({ type: 'refreshing', attempt: 1, delayMs: 0, reason: '401' });
    return refreshCall(token$, refreshToken);
  }).pipe(
    timeout({ first: timeoutMs, with: () => throwError(() => new RequestTimeoutError(timeoutMs, 'refresh')) }),
    catchError((failure: unknown) => {
      const cause = withoutToken(failure, stale);
      const reason = messageOf(cause);
      if (waiting === 0) logger.warn(`Token refresh failed, no request waiting: ${reason}`);
      return throwError(() => new AuthenticationError(`Token refresh failed: ${reason}`, { cause }));
    }),
    // Settle before any waiter hears: a 401 handled after this point must see the new state.
    tap({
      next: () => {
        settled++;
        inFlight = false;
        lastFailure = undefined;
      },
      error: (error: AuthenticationError) => {
        settled++;
        inFlight = false;
        lastFailure = error;
      },
    }),
    // Shared while in flight; reset once settled so a later 401 triggers a new refresh. Not reset when every
    // waiter unsubscribes: a refresh that was started finishes and stores its token.
    share({ connector: () => new ReplaySubject<string>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: false }),
  );
  return {
    settled: () => settled,
    refresh$: (sentAt) =>
      defer(() => {
        if (lastFailure && settled > sentAt && !inFlight) return throwError(() => lastFailure);
        waiting++;
        return shared$.pipe(finalize(() => waiting--));
      }),
  };
}

/**
 * What of a refresh's failure an error may keep as its `cause`: an axios error (a refresh endpoint called with
 * axios, presenting the old token) gives way as the transport's do, its config holding the headers; an error
 * quoting the old token gives way to a plain one with the token cut out, its name and code kept.
 */
function withoutToken(failure: unknown, token: string): unknown {
  const kept = keptCause(failure);
  const message = messageOf(kept);
  const clean = withoutSecret(message, token);
  if (clean === message) return kept;
  return Object.assign(new Error(clean), kept instanceof Error ? { name: kept.name, code: (kept as { code?: unknown }).code } : {});
}
