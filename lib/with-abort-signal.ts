/**
 * Work that takes an AbortSignal (a tool, an HTTP request), as a cold Observable that aborts it when the
 * subscription ends before the work did.
 */
import { from, Observable, type ObservableInput } from 'rxjs';

/**
 * Calls `start` on subscribe with a fresh signal and mirrors what it returns. The signal aborts if the
 * subscription ends before that output completed or errored, never after (a finished request's body may still
 * be in use).
 *
 * @example
 * withAbortSignal((signal) => http.post(url, body, { signal })) // unsubscribe before the answer: aborted
 */
export function withAbortSignal<T>(start: (signal: AbortSignal) => ObservableInput<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const controller = new AbortController();
    let settled = false;
    const subscription = from(start(controller.signal)).subscribe({
      next: (value) => subscriber.next(value),
      error: (error: unknown) => {
        settled = true;
        subscriber.error(error);
      },
      complete: () => {
        settled = true;
        subscriber.complete();
      },
    });
    return () => {
      subscription.unsubscribe();
      if (!settled) controller.abort();
    };
  });
}
