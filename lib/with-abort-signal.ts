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
    const output = start(controller.signal);
    // A Promise has finished when it gives its value: a consumer may leave right then (`firstValueFrom`,
    // `take(1)`), before `from` reports the completion, and must not abort a request whose body is still read.
    const once = typeof (output as PromiseLike<T>).then === 'function';
    const subscription = from(output).subscribe({
      next: (value) => {
        settled ||= once;
        subscriber.next(value);
      },
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
