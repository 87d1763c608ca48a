/**
 * A response body as axios hands it over — a Node `Readable` (http adapter) or a WHATWG `ReadableStream`
 * (fetch adapter, browsers) — turned into one `Observable<Uint8Array>`, so nothing downstream knows which.
 */
import { Observable, Subscription } from 'rxjs';
import { ConnectionError, LLMProviderError, RequestInfo } from './errors';

/** The part of a Node `Readable` we use; typed structurally so the browser build needs no Node types. */
interface NodeReadableLike {
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  destroy(error?: Error): unknown;
  readableEnded?: boolean;
}

/** What axios gives as `response.data` with `responseType: 'stream'`. */
export type ResponseBody = NodeReadableLike | ReadableStream<Uint8Array>;

function isWebStream(body: ResponseBody): body is ReadableStream<Uint8Array> {
  return typeof (body as ReadableStream<Uint8Array>).getReader === 'function';
}

/**
 * Emits the body's byte chunks as they arrive and completes at its end. Errors with {@link ConnectionError}
 * (cause kept) when the connection breaks mid-body. Unsubscribing before the end destroys / cancels the body
 * and calls `cancel` (which destroys the request: a wrapped body's destroy may not reach the socket).
 */
export function bodyBytes(body: ResponseBody, request: RequestInfo, cancel: () => void = () => undefined): Observable<Uint8Array> {
  return isWebStream(body) ? webStreamBytes(body, request, cancel) : nodeStreamBytes(body, request, cancel);
}

function connectionLost(cause: unknown, request: RequestInfo): LLMProviderError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ConnectionError(`Connection lost mid-response: ${reason}`, { cause, request, status: 200 });
}

function nodeStreamBytes(body: NodeReadableLike, request: RequestInfo, cancel: () => void): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    let ended = false;
    const onData = (chunk: Uint8Array) => subscriber.next(chunk);
    const onEnd = () => {
      ended = true;
      subscriber.complete();
    };
    const onError = (error: unknown) => subscriber.error(connectionLost(error, request));
    // 'close' without 'end' is a peer that went away without an error event (seen with some proxies).
    const onClose = () => {
      if (!ended) subscriber.error(connectionLost(new Error('socket closed before the body ended'), request));
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
    return () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
      // A destroy after 'end' would be harmless but would cost the keep-alive socket on some adapters.
      if (!ended) {
        body.destroy();
        cancel();
      }
    };
  });
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
 * Reads a whole body (an error page, a misplaced JSON answer) as text, keeping at most `limit` bytes so a
 * hostile server cannot make us hold an unbounded error body.
 */
export function readBodyText(body: ResponseBody, request: RequestInfo, limit = 64 * 1024): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const decoder = new TextDecoder();
    let text = '';
    let kept = 0;
    let subscription: Subscription | undefined = undefined;
    subscription = bodyBytes(body, request).subscribe({
      next: (chunk) => {
        const room = limit - kept;
        const piece = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
        kept += piece.byteLength;
        text += decoder.decode(piece, { stream: true });
        if (kept >= limit) {
          subscription?.unsubscribe();
          resolve(text + decoder.decode());
        }
      },
      error: reject,
      complete: () => resolve(text + decoder.decode()),
    });
  });
}
