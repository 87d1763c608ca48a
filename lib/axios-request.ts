/**
 * One axios request as a cold Observable, configured so that an app's axios instance changes nothing the client
 * relies on. Unsubscribing aborts it (an AbortController wired to axios' `signal`), which closes the socket.
 */
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import { Observable } from 'rxjs';
import { axiosErrorIn, ConnectionError, LLMProviderError, RequestInfo, withoutConfig } from './errors';
import { fetchEnv } from './fetch-env';
import { fixedRequestConfig } from './fixed-request-config';
import type { GatewayCall } from './transport';
import { userAgentHeaders } from './user-agent';

/**
 * What the client needs of an axios instance: its `request` method (and a look at its defaults). Typed by
 * shape rather than as the `AxiosInstance` of the axios this package installs, so an app's own instance fits
 * whichever axios 1.x made it (an app on another version than this package's keeps its own copy, and its
 * `AxiosInstance` is another type).
 */
export interface AxiosLike {
  request(config: object): Promise<unknown>;
  /** An instance's defaults: of these only a fetch `env.Response` of its own is looked at (see ./fetch-env). */
  defaults?: { env?: { Response?: unknown } };
}

/** A response, and how to abort its request after the fact (the Observable's own teardown no longer does). */
export interface Sent {
  response: AxiosResponse;
  abort: () => void;
}

/**
 * POSTs `call` with the client's own axios config, as a cold Observable: nothing is sent before subscribe, and
 * unsubscribing before the response aborts the request. Emits the response (any status) once, with its abort;
 * errors with a {@link ConnectionError} when the network fails, an {@link LLMProviderError} for anything else.
 */
export function sendWithAxios(call: GatewayCall, http: AxiosLike, accept: string, request: RequestInfo): Observable<Sent> {
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
        ...userAgentHeaders,
      },
      ...fixedRequestConfig,
      // For the fetch adapter: a 204 must reach us as a 204 in Chromium too (see ./fetch-env); an instance's own
      // `Response` (a polyfill, an app's wrapper) is left to it.
      env: http.defaults?.env?.Response ? undefined : fetchEnv(),
      signal: controller.signal,
    } satisfies AxiosRequestConfig;
    (http.request(config) as Promise<AxiosResponse>).then(
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
