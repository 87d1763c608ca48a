/**
 * One POST to the gateway as a cold Observable over axios: nothing is sent before subscribe, and unsubscribing
 * aborts the request (an AbortController wired to axios' `signal`), which closes the socket.
 */
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import { catchError, EMPTY, finalize, map, mergeMap, Observable, timeout } from 'rxjs';
import { bodyBytes, bodyText } from './body-stream';
import { closeConnection, stopUpload } from './client-request';
import {
  axiosErrorIn,
  ConnectionError,
  errorFromStatus,
  LLMProviderError,
  RequestInfo,
  ResponseValidationError,
  StreamError,
  withoutConfig,
} from './errors';
import { withoutSecret } from './logger';

/** One call: where, what, with which token; `model` names the model in a 404's error. */
export interface GatewayCall {
  url: string;
  body: unknown;
  token: string;
  model: string;
}

/**
 * What the client needs of an axios instance: its `request` method. Typed by shape rather than as the
 * `AxiosInstance` of the axios this package installs, so an app's own instance fits whichever axios 1.x made it
 * (an app on another version than this package's keeps its own copy, and its `AxiosInstance` is another type).
 */
export interface AxiosLike {
  request(config: object): Promise<unknown>;
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
  return send(call, options, accept, request).pipe(
    mergeMap(({ response, abort }) => {
      const bytes = responseBytes(response, request, abort);
      const toError = answerError(response, accept, call, request);
      // A body that breaks off, or goes silent, changes nothing of what the status says: what did arrive
      // explains it.
      const answer = toError
        ? bodyText(bytes.pipe(timeout({ each: ERROR_BODY_SILENCE_MS, with: () => EMPTY }), catchError(() => EMPTY)), 64 * 1024).pipe(
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

/** A response, and how to abort its request after the fact (the Observable's own teardown no longer does). */
interface Sent {
  response: AxiosResponse;
  abort: () => void;
}

// We map every status ourselves, and read every body ourselves (as a stream: bounded, parsed to a typed error).
// Made once, not per request.
const anyStatus = () => true;
const asIs = [(data: unknown) => data];
const asJson = [(data: unknown) => JSON.stringify(data)];

function send(call: GatewayCall, options: TransportOptions, accept: string, request: RequestInfo): Observable<Sent> {
  return new Observable<Sent>((subscriber) => {
    const controller = new AbortController();
    let settled = false;
    const config = {
      method: 'POST',
      url: call.url,
      data: call.body,
      headers: {
        Authorization: `Bearer ${call.token}`,
        'Content-Type': 'application/json',
        Accept: accept,
      },
      responseType: 'stream',
      validateStatus: anyStatus,
      transformResponse: asIs,
      // What an app's instance may set as defaults, and must not change here: the body we send (a request
      // transform renaming keys would rename a tool schema's properties), how long we wait (our timeouts are
      // the client's; axios' would cut a long stream and look like a network error), reading the gzip axios
      // asks for, and the URL (a baseURL with absolute URLs refused would send the token to the baseURL host).
      transformRequest: asJson,
      timeout: 0,
      decompress: true,
      allowAbsoluteUrls: true,
      // Never follow a redirect: following one could carry the Authorization header to another origin.
      maxRedirects: 0,
      fetchOptions: { redirect: 'manual' },
      // Bodies are bounded by us (above). An instance default here would make axios wrap the Node body in a
      // generator-backed Readable whose destroy() no longer reaches the socket.
      maxContentLength: -1,
      signal: controller.signal,
    } satisfies AxiosRequestConfig;
    (options.http.request(config) as Promise<AxiosResponse>).then(
      (response) => {
        settled = true;
        if (!isResponse(response)) {
          // A response interceptor that unwraps (`(response) => response.data`) leaves no status to map: stop the
          // request, whatever came back, and say so.
          discard(response);
          controller.abort();
          subscriber.error(new LLMProviderError('The axios instance did not hand back a response (does a response interceptor unwrap it?)', { request }));
          return;
        }
        subscriber.next({ response, abort: () => controller.abort() });
        subscriber.complete();
      },
      (error: unknown) => {
        settled = true;
        if (!subscriber.closed) subscriber.error(transportError(error, request));
      },
    );
    // Once the response is out, its body owns the socket (bodyBytes destroys it on unsubscribe); aborting
    // here then would cut a stream that is still being read.
    return () => {
      if (!settled) controller.abort();
    };
  });
}

function isResponse(value: unknown): value is AxiosResponse {
  const response = value as AxiosResponse | null | undefined;
  return typeof response?.status === 'number' && typeof response.headers === 'object' && response.headers !== null;
}

/** Ends a body handed over where a response was expected: a Node stream is destroyed, a web stream cancelled. */
function discard(body: unknown): void {
  const stream = body as { destroy?: unknown; cancel?: unknown } | null | undefined;
  if (typeof stream?.destroy === 'function') (stream.destroy as () => void)();
  if (typeof stream?.cancel === 'function') Promise.resolve((stream.cancel as () => unknown)()).catch(() => undefined);
}

/**
 * Maps an axios failure to our errors, dropping the axios error itself: its `config` holds the token. So is an
 * app's error that wraps one (an interceptor's): the axios error it wraps is what failed.
 */
function transportError(error: unknown, request: RequestInfo): LLMProviderError {
  const axiosError = axiosErrorIn(error);
  if (!axiosError) return new LLMProviderError(`Request failed: ${String(error)}`, { cause: error, request });
  const cause = withoutConfig(axiosError);
  const code = (cause as { code?: string }).code ?? axiosError.code;
  return new ConnectionError(`Network error${code ? ` (${code})` : ''}: ${axiosError.message}`, { cause, request });
}
