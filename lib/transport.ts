/**
 * One POST to the gateway as a cold Observable over axios: nothing is sent before subscribe, and unsubscribing
 * aborts the request (an AbortController wired to axios' `signal`), which closes the socket.
 */
import axios, { AxiosError, AxiosInstance, AxiosResponse } from 'axios';
import { Observable, from, mergeMap } from 'rxjs';
import { bodyBytes, readBodyText, ResponseBody } from './body-stream';
import {
  ConnectionError,
  errorFromStatus,
  LLMProviderError,
  parseRetryAfter,
  RequestInfo,
  ResponseValidationError,
  StreamError,
} from './errors';
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
  http: AxiosInstance;
  /** Largest `/chat` body accepted, in bytes. */
  maxResponseBytes: number;
}

/**
 * Node keeps axios' http adapter (no fetch/undici layer between us and the socket); everywhere else the fetch
 * adapter, the only axios adapter that streams a body in a browser (XHR buffers it whole).
 */
export function defaultAdapter(): 'http' | 'fetch' {
  const node = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  return node ? 'http' : 'fetch';
}

/**
 * The axios instance a client makes when given none. In Node, axios looks the proxy environment variables up on
 * every request (tens of microseconds of a ~1 ms first chunk); when none is set (no `*_proxy` variable at all)
 * that answer is always "no proxy", so it is given once (`proxy: false`). With any set, axios keeps deciding
 * per request, `NO_PROXY` and all.
 */
export function createDefaultHttp(): AxiosInstance {
  const adapter = defaultAdapter();
  if (adapter !== 'http') return axios.create({ adapter });
  const proxyConfigured = Object.keys(process.env).some((name) => /_proxy$/i.test(name) && process.env[name]);
  return axios.create(proxyConfigured ? { adapter } : { adapter, proxy: false });
}

/**
 * POSTs `call` and emits the parsed JSON of a 200 once. Errors with the class {@link errorFromStatus} picks for
 * any other status, with {@link ResponseValidationError} when a 200's body is not JSON, with
 * {@link LLMProviderError} when it is too large or the network fails.
 */
export function postForJson(call: GatewayCall, options: TransportOptions): Observable<unknown> {
  return send(call, options, 'text').pipe(
    mergeMap(async ({ response }) => {
      const text = String(response.data ?? '');
      if (response.status !== 200) {
        throw errorFromStatus(response.status, withoutSecret(text, call.token), call.model, requestInfo(call), retryAfter(response));
      }
      try {
        return JSON.parse(text) as unknown;
      } catch (cause) {
        const start = withoutSecret(text, call.token).slice(0, 200);
        throw new ResponseValidationError('(body)', `not JSON: ${start}`, { status: 200, request: requestInfo(call), cause });
      }
    }),
  );
}

/**
 * POSTs `call` and emits the body's bytes as they arrive when the answer is a 200 event stream. Any other status
 * errors as in {@link postForJson}; a 200 whose content type is not `text/event-stream` errors with a
 * {@link StreamError} of type `not-event-stream` carrying the body's detail.
 */
export function postForStream(call: GatewayCall, options: TransportOptions): Observable<Uint8Array> {
  const request = requestInfo(call);
  return send(call, options, 'stream').pipe(
    mergeMap(({ response, abort }) => {
      const body = response.data as ResponseBody;
      // Not a stream after all: read the body (token removed) into the error.
      const failWithBody = (toError: (text: string) => LLMProviderError) =>
        from(readBodyText(body, request)).pipe(
          mergeMap((raw) => {
            throw toError(withoutSecret(raw, call.token));
          }),
        );
      if (response.status !== 200) {
        return failWithBody((text) => errorFromStatus(response.status, text, call.model, request, retryAfter(response)));
      }
      const type = String(response.headers['content-type'] ?? '');
      if (type !== '' && !type.includes('text/event-stream')) {
        return failWithBody(
          (text) => new StreamError('not-event-stream', `Expected text/event-stream, got ${type}: ${text.slice(0, 500)}`, { status: 200, request }),
        );
      }
      return bodyBytes(body, request, () => closeConnection(response, abort));
    }),
  );
}

/**
 * Node's http adapter hands the ClientRequest over: destroying it is the sure way to close the socket. The
 * fetch adapter hands a `Request` over, and its body is axios' wrapper stream, whose cancel waits for the next
 * chunk before it reaches the real body: a silent server would keep the connection open. Aborting the fetch's
 * signal closes it at once.
 */
function closeConnection(response: AxiosResponse, abort: () => void): void {
  const clientRequest = response.request as { destroy?: () => void } | undefined;
  if (typeof clientRequest?.destroy === 'function') clientRequest.destroy();
  else abort();
}

function retryAfter(response: AxiosResponse): number | undefined {
  return parseRetryAfter(response.headers['retry-after']);
}

function requestInfo(call: GatewayCall): RequestInfo {
  return { method: 'POST', url: call.url };
}

/** A response, and how to abort its request after the fact (the Observable's own teardown no longer does). */
interface Sent {
  response: AxiosResponse;
  abort: () => void;
}

// We map every status ourselves; and we parse JSON ourselves so a bad body is a typed error. Made once, not
// per request.
const anyStatus = () => true;
const asIs = [(data: unknown) => data];

function send(call: GatewayCall, options: TransportOptions, responseType: 'text' | 'stream'): Observable<Sent> {
  return new Observable<Sent>((subscriber) => {
    const controller = new AbortController();
    let settled = false;
    options.http
      .request({
        method: 'POST',
        url: call.url,
        data: call.body,
        headers: {
          Authorization: `Bearer ${call.token}`,
          'Content-Type': 'application/json',
          Accept: responseType === 'stream' ? 'text/event-stream' : 'application/json',
        },
        responseType,
        validateStatus: anyStatus,
        transformResponse: asIs,
        // Never follow a redirect: following one could carry the Authorization header to another origin.
        maxRedirects: 0,
        fetchOptions: { redirect: 'manual' },
        // Only for buffered bodies: on a stream axios would wrap the body in a generator-backed Readable
        // whose destroy() no longer reaches the socket (and costs throughput). Streams are bounded per line.
        maxContentLength: responseType === 'text' ? options.maxResponseBytes : -1,
        signal: controller.signal,
      })
      .then(
        (response) => {
          settled = true;
          subscriber.next({ response, abort: () => controller.abort() });
          subscriber.complete();
        },
        (error: unknown) => {
          settled = true;
          if (!subscriber.closed) subscriber.error(transportError(error, call, options));
        },
      );
    // Once the response is out, its body owns the socket (bodyBytes destroys it on unsubscribe); aborting
    // here then would cut a stream that is still being read.
    return () => {
      if (!settled) controller.abort();
    };
  });
}

/** Maps an axios failure to our errors, dropping the axios error itself: its `config` holds the token. */
function transportError(error: unknown, call: GatewayCall, options: TransportOptions): LLMProviderError {
  const request = requestInfo(call);
  if (!axios.isAxiosError(error)) return new LLMProviderError(`Request failed: ${String(error)}`, { cause: error, request });
  const axiosError = error as AxiosError;
  if (axiosError.message.includes('maxContentLength')) {
    return new LLMProviderError(`Response body exceeds maxResponseBytes (${options.maxResponseBytes} bytes)`, {
      status: axiosError.response?.status,
      request,
    });
  }
  const cause = axiosError.cause ?? Object.assign(new Error(axiosError.message), { code: axiosError.code });
  const code = (cause as { code?: string }).code ?? axiosError.code;
  return new ConnectionError(`Network error${code ? ` (${code})` : ''}: ${axiosError.message}`, { cause, request });
}
