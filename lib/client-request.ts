/**
 * Ending a request early, by what the adapter handed over as `response.request`. This is the Node build's:
 * axios' http adapter hands over Node's `ClientRequest`, which is destroyed. In the browser build
 * (scripts/build-package.mjs) `client-request.browser.ts` replaces it: a browser adapter's request (a fetch
 * `Request`, an XMLHttpRequest) has no such handle, and the signal is what ends it.
 */
import type { AxiosResponse } from 'axios';

/** What a Node `ClientRequest` offers here; typed by shape so the browser build needs no Node types. */
interface ClientRequestLike {
  writableFinished?: boolean;
  destroy?: () => void;
}

/**
 * A server may answer before it has read the whole request body (an early 401 or 413, or a 200 from one that
 * answers from the head alone) and then read no more. Node's http adapter would go on sending that body after
 * the call is over, holding the socket for as long as the server does; the call has its answer, so the request
 * is destroyed. A request whose body was all sent is left alone, its connection kept for the next one. (The
 * fetch adapter stops by itself.)
 */
export function stopUpload(response: AxiosResponse): void {
  const clientRequest = response.request as ClientRequestLike | undefined;
  if (clientRequest?.writableFinished === false && typeof clientRequest.destroy === 'function') clientRequest.destroy();
}

/**
 * Closes the connection of a response whose body is still arriving. Node's http adapter hands the
 * ClientRequest over: destroying it is the sure way to close the socket. The fetch adapter hands a `Request`
 * over, and its body is axios' wrapper stream, whose cancel waits for the next chunk before it reaches the
 * real body: a silent server would keep the connection open. Aborting the fetch's signal closes it at once.
 */
export function closeConnection(response: AxiosResponse, abort: () => void): void {
  const clientRequest = response.request as ClientRequestLike | undefined;
  if (typeof clientRequest?.destroy === 'function') clientRequest.destroy();
  else abort();
}
