/**
 * A response body as axios hands it over — a Node `Readable` (http adapter) or a WHATWG `ReadableStream`
 * (fetch adapter, browsers) — turned into one `Observable<Uint8Array>`, so nothing downstream knows which.
 */
import { Observable, of } from 'rxjs';
import { connectionLost, RequestInfo } from './errors';
import { nodeStreamBytes, type NodeReadableLike } from './node-stream-body';

const STREAMING = { stream: true };

function isWebStream(body: object): body is ReadableStream<Uint8Array> {
  return typeof (body as ReadableStream<Uint8Array>).getReader === 'function';
}

/**
 * Emits the body's byte chunks as they arrive and completes at its end. Errors with {@link ConnectionError}
 * (cause kept) when the connection breaks mid-body. Unsubscribing before the end destroys / cancels the body
 * and calls `cancel` (which destroys the request: a wrapped body's destroy may not reach the socket).
 */
export function bodyBytes(body: unknown, request: RequestInfo, cancel: () => void = () => undefined): Observable<Uint8Array> {
  // No body at all: what the fetch adapter gives for a 204 or 304, and in a browser for a redirect (a manual
  // redirect is an opaque response, status 0). An empty body, so the status is mapped as usual.
  if (body == null) return of(new Uint8Array(0));
  if (isWebStream(body)) return webStreamBytes(body, request, cancel);
  if (typeof (body as NodeReadableLike).on === 'function') return nodeStreamBytes(body as NodeReadableLike, request, cancel);
  // An adapter that buffers hands over the whole body, read all the same, only not as it arrives: XHR gives
  // text (whatever responseType was asked), a mock or a native-HTTP adapter bytes or the JSON it parsed.
  if (typeof body === 'string') return of(new TextEncoder().encode(body));
  if (body instanceof ArrayBuffer) return of(new Uint8Array(body));
  if (ArrayBuffer.isView(body)) return of(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  return of(new TextEncoder().encode(JSON.stringify(body)));
}

function webStreamBytes(body: ReadableStream<Uint8Array>, request: RequestInfo, cancel: () => void): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    const reader = body.getReader();
    let done = false;
    const pump = (): void => {
      reader.read().then(
        (result) => {
          if (result.done) {
            done = true;
            subscriber.complete();
            return;
          }
          subscriber.next(result.value);
          if (!subscriber.closed) pump();
        },
        (error: unknown) => {
          done = true;
          subscriber.error(connectionLost(error, request));
        },
      );
    };
    pump();
    return () => {
      if (done) return;
      // cancel first: a wrapped stream's reader.cancel() may only act once its next chunk arrives.
      cancel();
      reader.cancel().catch(() => undefined);
    };
  });
}

/**
 * Collects a body's bytes as text: emits it once at the end. `tooLarge` says what a body of more than `limit`
 * bytes is: an error (the one `tooLarge` makes) or, without it, the first `limit` bytes (enough of an error
 * page). Either way reading stops there and unsubscribing from `bytes` closes the connection, so a hostile
 * server cannot make us hold an unbounded body.
 */
export function bodyText(bytes: Observable<Uint8Array>, limit: number, tooLarge?: () => Error): Observable<string> {
  return new Observable<string>((subscriber) => {
    const decoder = new TextDecoder();
    let text = '';
    let room = limit;
    const end = () => {
      subscriber.next(text + decoder.decode());
      subscriber.complete();
    };
    return bytes.subscribe({
      next: (chunk) => {
        if (subscriber.closed) return;
        if (chunk.byteLength > room && tooLarge) return subscriber.error(tooLarge());
        const kept = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
        text += decoder.decode(kept, STREAMING);
        room -= kept.byteLength;
        // Truncating: `limit` bytes are all we keep, so stop as soon as they are here (a server that holds the
        // connection open after them must not make us wait).
        if (room === 0 && !tooLarge) end();
      },
      error: (error: unknown) => subscriber.error(error),
      complete: end,
    });
  });
}
