/**
 * The error classes every Observable of this library errors with, and the one place where an HTTP status
 * becomes an error class. All extend {@link LLMProviderError}, so `instanceof LLMProviderError` catches them all.
 *
 * No error ever holds the JWT: messages are built from status, body and URL only, and a transport failure's
 * `cause` is the underlying system error, never the axios error (whose config carries the headers).
 */
import { withoutSecret } from './logger';

/** Where a failed request went: method and URL, never headers. */
export interface RequestInfo {
  method: string;
  url: string;
}

/** Options shared by every error class. */
export interface LLMProviderErrorOptions {
  status?: number;
  request?: RequestInfo;
  cause?: unknown;
  /** The server's `Retry-After`, in milliseconds from when the answer arrived. */
  retryAfterMs?: number;
}

/**
 * The base class: a failed gateway call. `status` is the HTTP status where there was one, `request` the
 * method and URL, `cause` the underlying error (a network error, a refresh failure, a zod issue list).
 */
export class LLMProviderError extends Error {
  override readonly name: string = 'LLMProviderError';
  readonly status?: number;
  readonly request?: RequestInfo;
  readonly retryAfterMs?: number;
  /**
   * The underlying failure. Declared here (set by `Error` itself, so `declare`: no field of our own) for apps
   * compiled with a `lib` before ES2022, whose `Error` has no `cause`.
   */
  declare readonly cause?: unknown;

  constructor(message: string, options: LLMProviderErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.request = options.request;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }

  /** A plain, token-free form for logs: `JSON.stringify(error)` gives name, message, status and request. */
  toJSON(): Record<string, unknown> {
    // The enumerable own fields (name, status, request, a subclass's detail...) and `message`, which Error
    // keeps non-enumerable.
    return { ...(this as object), message: this.message };
  }
}

/**
 * The network failed: connection refused or reset, DNS, a socket closed mid-body. `cause` is the system error
 * (its `code`, e.g. `ECONNREFUSED`); `status` is unset, or the 200's when the body broke off.
 */
export class ConnectionError extends LLMProviderError {
  override readonly name = 'ConnectionError';
}

/** 401 that a refresh could not cure: no `refreshToken`, the refresh failed (`cause`), or the retry got 401 too. */
export class AuthenticationError extends LLMProviderError {
  override readonly name = 'AuthenticationError';
}

/**
 * 404 from the gateway: it does not know `model`, or (the gateway's `detail` says which) the URL is not one
 * of its routes, as when `serverUrl` carries a wrong path.
 */
export class ModelNotFoundError extends LLMProviderError {
  override readonly name = 'ModelNotFoundError';
  constructor(
    readonly model: string,
    options: LLMProviderErrorOptions = {},
    detail = '',
  ) {
    super(detail === '' ? `Model not found: ${model}` : `Model not found: ${model} (${detail})`, options);
  }
}

/** 502 from the gateway: the upstream provider failed; `detail` is the gateway's explanation. */
export class GatewayError extends LLMProviderError {
  override readonly name = 'GatewayError';
  constructor(
    readonly detail: string,
    options: LLMProviderErrorOptions = {},
  ) {
    super(`Server LLM gateway error: ${detail}`, options);
  }
}

/**
 * No answer in time. `phase`: `request` (a whole `chat$` request), `first-byte` / `idle` (a stream's wait for
 * its first content, or a silence between content; comments do not count), `refresh` (a token refresh).
 */
export class RequestTimeoutError extends LLMProviderError {
  override readonly name = 'RequestTimeoutError';
  constructor(
    readonly timeoutMs: number,
    readonly phase: 'request' | 'first-byte' | 'idle' | 'refresh',
    options: LLMProviderErrorOptions = {},
  ) {
    super(`Request timeout after ${timeoutMs} ms (${phase})`, options);
  }
}

/** Why a stream failed after its 200: the kinds a caller may want to tell apart. */
export type StreamErrorType = 'error-payload' | 'truncated' | 'line-too-long' | 'event-too-long' | 'not-event-stream';

/**
 * The stream broke after a 200 (`status` is 200 unless given): an `error` payload mid-stream (`detail` is its
 * detail), the body ended without `[DONE]`, a line or one event's data exceeded `maxLineBytes`, or the body
 * was not an event stream.
 */
export class StreamError extends LLMProviderError {
  override readonly name = 'StreamError';
  constructor(
    readonly type: StreamErrorType,
    readonly detail: string,
    options: LLMProviderErrorOptions = {},
  ) {
    super(type === 'error-payload' ? `Stream error: ${detail}` : detail, { status: 200, ...options });
  }
}

/**
 * The server's JSON (always a 200's: `status` is 200 unless given) does not fit the wire schema; `field` is
 * the path of the first offending field.
 */
export class ResponseValidationError extends LLMProviderError {
  override readonly name = 'ResponseValidationError';
  constructor(
    readonly field: string,
    message: string,
    options: LLMProviderErrorOptions = {},
  ) {
    super(`Invalid response from gateway at "${field}": ${message}`, { status: 200, ...options });
  }
}

/**
 * Gives the errors this library makes where the request is not at hand (a timeout, the stream's parser, a
 * schema check) that request. Filled in place: each was made for this one request and no one has seen it yet.
 * Any other error, an app's own included (a `token$` that errored throws the same one to every request), is
 * returned untouched.
 */
export function attachRequest(error: unknown, request: RequestInfo): unknown {
  const madeWithoutRequest = error instanceof RequestTimeoutError || error instanceof StreamError || error instanceof ResponseValidationError;
  if (madeWithoutRequest && !error.request) (error as { request?: RequestInfo }).request = request;
  return error;
}

/** The message of anything thrown: an Error's `message`, else the value as text. */
export function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/** The {@link ConnectionError} of a body that broke off after its 200. */
export function connectionLost(cause: unknown, request: RequestInfo): ConnectionError {
  // An axios error here (an app's signal or cancel token aborted the body) carries the request's config.
  return new ConnectionError(`Connection lost mid-response: ${messageOf(cause)}`, { cause: keptCause(cause), request, status: 200 });
}

/** What an error of ours may keep of `failure` as its cause: `failure`, unless an axios error is in its chain (see {@link withoutConfig}). */
export function keptCause(failure: unknown): unknown {
  const axiosError = axiosErrorIn(failure);
  return axiosError ? withoutConfig(axiosError) : failure;
}

/** What of an axios error (of any axios copy: told by its flag) may be kept. */
export interface AxiosErrorLike {
  isAxiosError: true;
  message: string;
  code?: string;
  cause?: unknown;
}

/**
 * The first axios error in `error`'s cause chain, `error` included: an app's interceptor may wrap axios' error
 * in one of its own, with axios' as its `cause`. Its `config` holds the Authorization header.
 */
export function axiosErrorIn(error: unknown): AxiosErrorLike | undefined {
  let current = error;
  for (let depth = 0; typeof current === 'object' && current !== null && depth < 10; depth++) {
    if ((current as { isAxiosError?: unknown }).isAxiosError === true) return current as AxiosErrorLike;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A cause to keep in place of an axios error: the system error it wraps (its `code`, e.g. `ECONNREFUSED`), unless
 * that holds an axios error in turn; else a plain Error with its message and code.
 */
export function withoutConfig(axiosError: AxiosErrorLike): unknown {
  const inner = axiosError.cause;
  if (inner !== undefined && axiosErrorIn(inner) === undefined) return inner;
  return Object.assign(new Error(axiosError.message), { code: axiosError.code });
}

/** Extracts the human-readable detail of an error body as the reference does: `detail`, else `error`, else the text. */
export function errorDetail(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object' && ('detail' in parsed || 'error' in parsed)) {
      return detailOf(parsed);
    }
  } catch {
    // Not JSON: the text is the detail.
  }
  return body;
}

/** An error payload's `detail`, else its `error`, as text (JSON for anything but a string). */
export function detailOf(payload: { detail?: unknown; error?: unknown }): string {
  const detail = payload.detail ?? payload.error ?? null;
  return typeof detail === 'string' ? detail : JSON.stringify(detail);
}

/**
 * Maps a non-200 answer (status, body, headers) to its error class (401 here means "not cured by a refresh";
 * a redirect, never followed, is an error too). The body is cut to 2 kB in the message so an HTML error page
 * cannot flood a log. `secret` (the token sent) is removed once, from what the message shows: from a JSON
 * body's detail once decoded (a JSON string may spell the token with escapes, `\u002B` or `\/`, that the raw
 * body hides; and scrubbing the raw body first could break the JSON), else from the raw body.
 */
export function errorFromStatus(
  status: number,
  body: string,
  model: string,
  request?: RequestInfo,
  headers: Record<string, unknown> = {},
  secret = '',
): LLMProviderError {
  const options = { status, request, retryAfterMs: parseRetryAfter(headers['retry-after']) };
  const location = typeof headers.location === 'string' ? headers.location : undefined;
  // A 3xx with a Location is a redirect (a 304 has none); status 0 is what a browser's fetch reports for one it
  // was told not to follow (`redirect: 'manual'`): an opaque response, no status, no headers, no body.
  if (status === 0 || (location !== undefined && status > 299 && status < 400)) {
    const where = location === undefined ? '' : ` (${status} to ${withoutSecret(location, secret)})`;
    return new LLMProviderError(`Redirect not followed${where}: the client never follows one, which could carry the token to another origin; point serverUrl where the gateway answers`, options);
  }
  switch (status) {
    case 401:
      return new AuthenticationError('Authentication failed', options);
    case 404:
      return new ModelNotFoundError(model, options, truncate(withoutSecret(errorDetail(body), secret).trim(), 200));
    case 502:
      return new GatewayError(truncate(withoutSecret(errorDetail(body), secret)), options);
    default:
      return new LLMProviderError(`Unexpected status ${status}: ${truncate(withoutSecret(body, secret))}`, options);
  }
}

function truncate(text: string, max = 2048): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more chars)` : text;
}

/**
 * Reads a `Retry-After` header (RFC 9110 §10.2.3): delay-seconds (fractional ones too, which some rate limiters
 * send) or an HTTP date. Returns milliseconds from `now`, or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim(); // blank: neither form matches
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date always names its day and month. Date.parse would read "-1" or "1.5." as some day in 2001:
  // a delay of 0.
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
