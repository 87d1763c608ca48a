/**
 * A Node `Readable` body (what axios' http adapter gives) as an `Observable<Uint8Array>`. This is the Node
 * build's; in the browser build (scripts/build-package.mjs) `node-stream-body.browser.ts` replaces it, since
 * a browser body is always a WHATWG stream.
 */
import { Observable } from 'rxjs';
import { connectionLost, RequestInfo } from './errors';

/** The part of a Node `Readable` we use; typed structurally so the browser build needs no Node types. */
export interface NodeReadableLike {
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  destroy(error?: Error): unknown;
  readableEnded?: boolean;
}

/**
 * Emits the body's chunks as they arrive and completes at its end; errors with a `ConnectionError` when the
 * body breaks off or its socket closes before the end. Unsubscribing before the end destroys the body and
 * calls `cancel`.
 */
export function nodeStreamBytes(body: NodeReadableLike, request: RequestInfo, cancel: () => void): Observable<Uint8Array> {
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
