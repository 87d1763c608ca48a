/**
 * LlmGatewayClient: composes transport, SSE parsing, chunk decoding, the 401 refresh and the timeouts into
 * the two cold Observables of the public API. It holds no parsing or HTTP detail of its own.
 */
import { BehaviorSubject, catchError, defer, map, Observable, Subject, throwError, timeout } from 'rxjs';
import { createTokenRefresher, currentToken, RefreshToken } from './auth';
import { checkRetryPolicy, checkServerUrl, positive } from './client-options';
import { ClientStatus } from './client-status';
import { attachRequest, RequestTimeoutError } from './errors';
import { LlmGateway } from './gateway';
import { Logger, silentLogger } from './logger';
import { LLMRequest, LLMResponse, StreamChunk, toLLMResponse, toWireRequest } from './protocol';
import { LONGEST_TIMER_MS } from './timer-limit';
import { retryRequest, RetryPolicy, RetryRequestOptions } from './retry-request';
import { parseStreamChunks } from './stream-chunks';
import { createDefaultHttp } from './default-http';
import type { AxiosLike } from './axios-request';
import { GatewayCall, postForJson, postForStream, TransportOptions } from './transport';

const CHAT_PATH = '/api/v1/llm/chat';
const STREAM_PATH = '/api/v1/llm/chat/stream';

/** How to reach the gateway and how patient to be. */
export interface LlmGatewayClientOptions {
  /** Base URL of the gateway, http or https; a trailing slash is tolerated, a path prefix kept. */
  serverUrl: string;
  /** The current JWT. The client reads it for each request and pushes refreshed tokens into it. */
  token$: BehaviorSubject<string>;
  /** Gets a new JWT after a 401. Without it, a 401 is an `AuthenticationError` at once. */
  refreshToken?: RefreshToken;
  /**
   * Milliseconds: a whole `chat$` request; for `chatStream$` the wait for the first event and the longest
   * silence (keep-alive comments do not count as life); also bounds a refresh. Default 120 000.
   */
  timeoutMs?: number;
  /**
   * Receives warnings (malformed stream lines; a failed refresh when no request is left to error with it) and
   * debug notes (a refresh starting). Default: silent.
   */
  logger?: Logger;
  /** Longest SSE line accepted, in bytes. Default 1 MiB. */
  maxLineBytes?: number;
  /** Largest `/chat` body accepted, in bytes. Default 16 MiB. */
  maxResponseBytes?: number;
  /**
   * Opt-in re-sending after a connection error, 429, 503 or 504 (never another 4xx, never after a stream's
   * first event), with exponential backoff and jitter, honouring `Retry-After`. Default: off.
   */
  retry?: RetryPolicy;
  /**
   * An axios instance of your own (interceptors, proxy, adapter), from any axios 1.x. Default: a new one with
   * the fitting adapter.
   */
  axios?: AxiosLike;
}

/**
 * The RxJS client of an LLM gateway. Every method returns a cold Observable: nothing is sent until
 * subscribe, each subscription sends its own request, and unsubscribing aborts it.
 *
 * @example
 * const client = new LlmGatewayClient({ serverUrl: 'https://api.example.com', token$, refreshToken });
 * client.chatStream$({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
 *   .subscribe((chunk) => process.stdout.write(chunk.content));
 */
export class LlmGatewayClient implements LlmGateway {
  private readonly statusSubject = new Subject<ClientStatus>();
  /**
   * Each token refresh and each transient retry as it starts (`{ type, attempt, delayMs, reason }`), so a UI
   * can say "reconnecting in 2 s". Hot: subscribe before the requests you want to watch.
   */
  readonly status$: Observable<ClientStatus> = this.statusSubject.asObservable();
  private readonly baseUrl: string;
  private readonly retry: RetryRequestOptions;
  private declare readonly transport: TransportOptions;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly maxLineBytes: number;

  /**
   * Throws {@link LLMProviderError} when `serverUrl` is not an http(s) URL or carries credentials, a `?query` or a
   * `#fragment`, a bound is not a positive number (`maxLineBytes` and `maxResponseBytes` must also be finite), or
   * the retry policy's count is not a whole number ≥ 0 (or Infinity) or a delay is negative.
   */
  constructor(options: LlmGatewayClientOptions) {
    this.baseUrl = checkServerUrl(options.serverUrl);
    // Capped before the check, so Infinity ("never") is the longest timer there is.
    this.timeoutMs = positive('timeoutMs', Math.min(options.timeoutMs ?? 120_000, LONGEST_TIMER_MS));
    this.maxLineBytes = positive('maxLineBytes', options.maxLineBytes ?? 1024 * 1024);
    this.logger = options.logger ?? silentLogger;
    const { token$, refreshToken, retry } = options;
    if (retry) checkRetryPolicy(retry);
    const report = (status: ClientStatus) => this.statusSubject.next(status);
    const refresher = refreshToken && createTokenRefresher(token$, refreshToken, { timeoutMs: this.timeoutMs, logger: this.logger, onRefresh: report });
    this.retry = { auth: { token: () => currentToken(token$), refresher }, policy: retry, onRetry: report };
    const transport: TransportOptions = {
      http: options.axios ?? createDefaultHttp(),
      maxResponseBytes: positive('maxResponseBytes', options.maxResponseBytes ?? 16 * 1024 * 1024),
    };
    // Not enumerable, so util.inspect / console.dir (at any depth) and JSON.stringify skip it: the axios
    // instance reaches its keep-alive agent, whose sockets hold the requests in flight, Authorization header
    // and all. (Configurable, so the `get` of a Proxy, as Vue's and MobX's, may hand back a wrapper of it.)
    Object.defineProperty(this, 'transport', { value: transport, enumerable: false, configurable: true });
  }

  /**
   * POSTs to `/api/v1/llm/chat`; emits one {@link LLMResponse} and completes. Errors with an
   * {@link LLMProviderError} subclass: see the README's error table.
   */
  chat$(request: LLMRequest): Observable<LLMResponse> {
    return this.send(CHAT_PATH, request, (call, timeoutMs) =>
      postForJson(call, this.transport).pipe(
        timeout({ first: timeoutMs, with: () => throwError(() => new RequestTimeoutError(timeoutMs, 'request')) }),
        map((data) => toLLMResponse(data, request.model)),
      ),
    );
  }

  /**
   * POSTs to `/api/v1/llm/chat/stream`; emits each {@link StreamChunk} as its event arrives and completes at
   * `data: [DONE]`. Errors as {@link chat$} does, plus `StreamError` (an error payload, a truncated stream, a
   * line over `maxLineBytes`) and `RequestTimeoutError` for a late first byte or a long silence.
   */
  chatStream$(request: LLMRequest): Observable<StreamChunk> {
    return this.send(STREAM_PATH, request, (call, timeoutMs) =>
      postForStream(call, this.transport).pipe(
        parseStreamChunks({ maxLineBytes: this.maxLineBytes, idleTimeoutMs: timeoutMs, model: request.model, logger: this.logger, secret: call.token }),
      ),
    );
  }

  /**
   * What both calls share: on subscribe, checks `request` and sends it to `path` with the current token
   * through `attempt` (again after a refresh or a transient failure: see retryRequest), and gives an error
   * made without its request at hand (see attachRequest) the request to `path`.
   */
  private send<T>(path: string, request: LLMRequest, attempt: (call: GatewayCall, timeoutMs: number) => Observable<T>): Observable<T> {
    const url = this.baseUrl + path;
    return defer(() => {
      const body = toWireRequest(request, this.timeoutMs / 1000);
      const timeoutMs = this.timeoutFor(request);
      return retryRequest((token) => attempt({ url, body, token, model: request.model }, timeoutMs), this.retry);
    }).pipe(catchError((error: unknown) => throwError(() => attachRequest(error, { method: 'POST', url }))));
  }

  /**
   * The client's `timeoutMs`, lengthened for a request whose own `timeout` (seconds, already checked by
   * `toWireRequest`) lets the gateway take longer: the client waits that long, plus a second for the gateway's
   * own timeout answer to arrive, rather than hanging up on a gateway still within the time it was given.
   */
  private timeoutFor(request: LLMRequest): number {
    if (request.timeout === undefined) return this.timeoutMs;
    return Math.min(Math.max(this.timeoutMs, request.timeout * 1000 + 1000), LONGEST_TIMER_MS);
  }
}
