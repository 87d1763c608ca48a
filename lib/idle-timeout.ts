/**
 * The stream's patience: an operator on the body's bytes that fails when nothing arrives for `timeoutMs`,
 * before the first byte or between bytes. Only bytes of SSE content count as life: a server (or a proxy)
 * sending nothing but `: keep-alive` comments and blank lines cannot hold a dead stream open for ever, while
 * a slow server trickling an event one byte at a time is not cut off.
 */
import { asyncScheduler, MonoTypeOperatorFunction, Observable, SchedulerLike, Subscription } from 'rxjs';
import { RequestTimeoutError } from './errors';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;

/**
 * Tells, chunk by chunk, whether the bytes carry anything but comment lines and line ends. State: whether the
 * next byte starts a line, and whether the line in progress is a comment (spec: a line starting with ':').
 */
function createContentDetector(): (chunk: Uint8Array) => boolean {
  let lineStart = true;
  let inComment = false;

  function hasContent(chunk: Uint8Array): boolean {
    let atStart = lineStart;
    let comment = inComment;
    for (let i = 0; i < chunk.length; ) {
      if (atStart) {
        const byte = chunk[i];
        if (byte === LF || byte === CR) {
          i++;
          continue;
        }
        if (byte !== COLON) return true;
        comment = true;
        atStart = false;
      } else if (!comment) {
        return true;
      }
      // Inside a comment: skip to its line end.
      const lf = chunk.indexOf(LF, i);
      const cr = chunk.indexOf(CR, i);
      if (lf < 0 && cr < 0) return false;
      i = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      atStart = true;
    }
    return false;
  }

  return (chunk) => {
    const content = hasContent(chunk);
    const lastEnd = Math.max(chunk.lastIndexOf(LF), chunk.lastIndexOf(CR));
    if (lastEnd === chunk.length - 1) {
      lineStart = true;
    } else if (lastEnd >= 0) {
      lineStart = false;
      inComment = chunk[lastEnd + 1] === COLON;
    } else if (lineStart && chunk.length > 0) {
      lineStart = false;
      inComment = chunk[0] === COLON;
    }
    return content;
  };
}

/**
 * Passes the bytes through and errors with {@link RequestTimeoutError} when `timeoutMs` pass without SSE
 * content: phase `first-byte` when nothing came yet, `idle` after. Unsubscribes from the body then (which
 * aborts the request). One timer re-armed lazily, not one per chunk: the hot path only stores a timestamp.
 *
 * @example
 * bytes$.pipe(timeoutWhenSilent(30_000), parseSseEvents())
 */
export function timeoutWhenSilent(timeoutMs: number, scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<Uint8Array> {
  return (source) =>
    new Observable<Uint8Array>((subscriber) => {
      const hasContent = createContentDetector();
      let lastContent = scheduler.now();
      let seenContent = false;
      let timer: Subscription | undefined;
      const check = () => {
        const silentFor = scheduler.now() - lastContent;
        if (silentFor >= timeoutMs) {
          subscriber.error(new RequestTimeoutError(timeoutMs, seenContent ? 'idle' : 'first-byte'));
        } else {
          timer = scheduler.schedule(check, timeoutMs - silentFor);
        }
      };
      timer = scheduler.schedule(check, timeoutMs);
      const subscription = source.subscribe({
        next(chunk) {
          if (hasContent(chunk)) {
            lastContent = scheduler.now();
            seenContent = true;
          }
          subscriber.next(chunk);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        timer?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
