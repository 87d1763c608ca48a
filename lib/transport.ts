/**
 * One POST to the gateway, answered: the body of a 200 handed on as JSON or as bytes, any other answer read
 * (bounded) into the error it explains. Sending is axios-request.ts's.
 */
import type { AxiosResponse } from 'axios';
import { catchError, EMPTY, finalize, map, mergeMap, Observable, takeUntil, timeout, timer } from 'rxjs';
import { AxiosLike, sendWithAxios } from './axios-request';
import { bodyBytes, bodyText } from './body-stream';
import { closeConnection, stopUpload } from './client-request';
import { errorFromStatus, LLMProviderError, RequestInfo, ResponseValidationError, StreamError } from './errors';
import { withoutSecret } from './logger';

/** One call: where, what, with which token; `model` names the model in a 404's error. */
export interface GatewayCall {
  url: string;
  body: unknown;
  token: string;
  model: string;
}

/** How the transport talks HTTP. */
export interface TransportOptions {
  http: AxiosLike;
  /** Largest `/chat` body accepted, in bytes. */
  maxResponseBytes: number;
}

/**
 * POSTs `call` and emits the parsed JSON of a 200 once. Errors with the class {@link errorFromStatus} picks for
 * any other status, with {@link ResponseValidationError} when a 200's body is not JSON, with
 * {@link LLMProviderError} when it is larger than `maxResponseBytes` (reading stops there) or the network fails.
 */
export function postForJson(call: GatewayCall, options: TransportOptions): Observable<unknown> {
  const { maxResponseBytes } = options;
  return post(call, options, 'application/json', (bytes, request) =>
    // The bound is counted here, not by axios: its fetch adapter (browsers) ignores `maxContentLength`.
    bodyText(bytes, maxResponseBytes, () => new LLMProviderError(`Response body exceeds maxResponseBytes (${maxResponseBytes} bytes)`, { status: 200, request })).pipe(
      map((text) => {
        try {
          return JSON.parse(text) as unknown;
        } catch (cause) {
          throw new ResponseValidationError('(body)', `not JSON: ${withoutSecret(text, call.token).slice(0, 200)}`, { request, cause });
        }
      }),
    ),
  );
}

/**
 * POSTs `call` and emits the body's bytes as they arrive when the answer is a 200 event stream. Any other status
 * errors as in {@link postForJson}; a 200 whose content type is not `text/event-stream` errors with a
 * {@link StreamError} of type `not-event-stream` carrying the body's detail.
 */
export function postForStream(call: GatewayCall, options: TransportOptions): Observable<Uint8Array> {
  return post(call, options, EVENT_STREAM, (bytes) => bytes);
}

const EVENT_STREAM = 'text/event-stream';

/**
 * Sends `call` asking for `accept`, and hands the body of a fitting 200 to `read`. Anything else fails with the
 * error its body explains: at most 64 KiB of it read; the token is removed where each message is made.
 */
function post<T>(
  call: GatewayCall,
  options: TransportOptions,
  accept: string,
  read: (bytes: Observable<Uint8Array>, request: RequestInfo) => Observable<T>,
): Observable<T> {
  const request: RequestInfo = { method: 'POST', url: call.url };
  return sendWithAxios(call, options.http, accept, request).pipe(
    mergeMap(({ response, abort }) => {
      const bytes = responseBytes(response, request, abort);
      const toError = answerError(response, accept, call, request);
      // A body that breaks off, goes silent, or trickles on (an event stream's keep-alives) changes nothing of
      // what the status says: what did arrive explains it.
      const answer = toError
        ? bodyText(bytes.pipe(timeout({ each: ERROR_BODY_SILENCE_MS, with: () => EMPTY }), takeUntil(timer(ERROR_BODY_MAX_MS)), catchError(() => EMPTY)), 64 * 1024).pipe(
            map((text) => {
              throw toError(text);
            }),
          )
        : read(bytes, request);
      // A server may answer (an early 401 or 413, or a 200) before it has read the whole request body.
      return answer.pipe(finalize(() => stopUpload(response)));
    }),
  );
}

/**
 * How the answer's body becomes the call's error, when the answer is one: any status but 200, or a stream's 200
 * that is not an event stream. Undefined for an answer to read.
 */
function answerError(response: AxiosResponse, accept: string, call: GatewayCall, request: RequestInfo): ((text: string) => LLMProviderError) | undefined {
  if (response.status !== 200) {
    return (text) => errorFromStatus(response.status, text, call.model, request, response.headers, call.token);
  }
  const type = String(response.headers['content-type'] ?? '');
  if (accept === EVENT_STREAM && type !== '' && mediaType(type) !== EVENT_STREAM) {
    return (text) => new StreamError('not-event-stream', `Expected ${EVENT_STREAM}, got ${type}: ${withoutSecret(text, call.token).slice(0, 500)}`, { request });
  }
  return undefined;
}

/**
 * How long an error answer's body may stay silent before the status is reported with what arrived of it:
 * the status is known from the head, and a stalled body must not turn a 401 (which a refresh cures) or a 503
 * (which a retry may) into a timeout.
 */
export const ERROR_BODY_SILENCE_MS = 1000;

/**
 * How long an error answer's body may take in all, for the same reason: a body that never ends but never falls
 * silent either (a 401 sent as an event stream, kept open with keep-alive comments) would otherwise hold the
 * status back until the request's timeout.
 */
export const ERROR_BODY_MAX_MS = 3000;

/**
 * `type/subtype` of a Content-Type, lower-cased (media types are case-insensitive: RFC 9110 §8.3.1). A header
 * sent twice reaches us joined with ", " by the fetch adapter (Node's http adapter keeps the first line): the
 * first is taken either way.
 */
export function mediaType(contentType: string): string {
  return contentType.split(/[;,]/)[0].trim().toLowerCase();
}

/** The response's body as bytes; unsubscribing before its end closes the connection (see closeConnection). */
export function responseBytes(response: AxiosResponse, request: RequestInfo, abort: () => void = () => undefined): Observable<Uint8Array> {
  return bodyBytes(response.data, request, () => closeConnection(response, abort));
}
