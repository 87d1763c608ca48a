/**
 * One POST to the OpenAI-compatible upstream, as the forwarding gateway (./openai-upstream) makes it: the 200
 * response with its body unread, or an {@link UpstreamError} explaining any other answer. Unsubscribing at any
 * point, the error body's read included, closes the upstream connection.
 */
import type { AxiosInstance, AxiosResponse } from 'axios';
import { catchError, map, Observable, of, switchMap, throwError } from 'rxjs';
import { bodyText } from '../body-stream';
import { mediaType, responseBytes } from '../transport';
import { withAbortSignal } from '../with-abort-signal';
import { openAiErrorMessage, UpstreamError } from './openai-wire';

/** Where the request goes, and what may be said of it. */
export interface UpstreamEndpoint {
  http: AxiosInstance;
  /** `…/chat/completions`, exactly as requested (credentials in it included). */
  url: string;
  /** The same URL without its user name and password: what error details name. */
  shownUrl: string;
  apiKey?: string;
}

/**
 * POSTs `body` upstream. Emits the 200 response (body unread) and completes. Errors with {@link UpstreamError}:
 * another status (with up to 8 KiB of the error body read for its message), a 200 stream that is not an event
 * stream, or no connection. Unsubscribing before the answer aborts the request; during the error body, it
 * destroys the body.
 */
export function postUpstream({ http, url, shownUrl, apiKey }: UpstreamEndpoint, body: object, stream: boolean): Observable<AxiosResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return send(http, url, shownUrl, body, headers).pipe(
    switchMap((response) => {
      const type = String(response.headers['content-type'] ?? '');
      if (response.status === 200 && (!stream || mediaType(type) === 'text/event-stream')) return of(response);
      const what = response.status === 200 ? `200 with ${type || 'no content type'} instead of an event stream` : String(response.status);
      // Read as part of this Observable, not on the side: a body that stalls must not outlive the request.
      return bodyText(responseBytes(response, { method: 'POST', url: shownUrl }), 8 * 1024).pipe(
        catchError(() => of('')),
        map((text) => {
          throw new UpstreamError(`upstream answered ${what}: ${openAiErrorMessage(text)}`, response.status);
        }),
      );
    }),
  );
}

function send(http: AxiosInstance, url: string, shownUrl: string, body: object, headers: Record<string, string>): Observable<AxiosResponse> {
  // Aborted only while unanswered: once answered, the body owns the connection (responseBytes destroys it).
  return withAbortSignal((signal) => http.post(url, body, { headers, responseType: 'stream', validateStatus: () => true, maxRedirects: 0, signal })).pipe(
    catchError((error: unknown) => {
      const code = (error as { code?: string }).code;
      const what = code === 'ECONNREFUSED' || code === 'ENOTFOUND' ? 'unreachable' : 'connection failed';
      return throwError(() => new UpstreamError(`upstream ${what} at ${shownUrl}${code ? ` (${code})` : ''}`));
    }),
  );
}
