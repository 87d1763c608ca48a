/**
 * A {@link GatewayHandler} that answers the gateway's LLM routes from an OpenAI-compatible server (Ollama, vLLM,
 * llama.cpp's server, LM Studio): `/api/v1/llm/chat` and `/chat/stream` become `POST {url}/chat/completions`,
 * the answers and streamed deltas come back in this gateway's protocol, upstream failures as 502 with a detail.
 * When the gateway's client goes away, the upstream request is aborted too, so the model stops generating.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { firstValueFrom, map, Observable, switchMap, type Subscription } from 'rxjs';
import { bodyText } from '../body-stream';
import { responseBytes } from '../transport';
import { ConnectionError } from '../errors';
import { parseSseEvents } from '../sse';
import { translateOpenAiStream } from './openai-stream-translator';
import { fromOpenAiResponse, openAiErrorMessage, toOpenAiRequest, UpstreamError } from './openai-wire';
import type { RecordedRequest } from './recorded-request';
import type { Reply } from './reply';
import type { GatewayHandler } from './test-gateway';

/** Where the OpenAI-compatible server is. */
export interface OpenAiUpstreamOptions {
  /** Base URL up to the API version, e.g. `http://127.0.0.1:11434/v1` (Ollama); `/chat/completions` is appended. */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>` to the upstream (never the gateway client's JWT); default: none. */
  apiKey?: string;
  /** Receives one line per forwarded request: how it ended. Never given the key or the client's token. */
  log?: (line: string) => void;
}

const CHAT_PATH = '/api/v1/llm/chat';
const STREAM_PATH = '/api/v1/llm/chat/stream';
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * Builds the handler; install it with `gateway.route(forwardToOpenAi({ url }))`. Other LLM paths answer 404.
 * Upstream failures answer 502 `{"detail"}` (404 when the upstream says the model does not exist); once a
 * stream has started they end it with `data: {"error": "upstream_failed", "detail"}`. Never throws.
 *
 * @example
 * const gateway = await startTestGateway();
 * gateway.route(forwardToOpenAi({ url: 'http://127.0.0.1:11434/v1' }));
 */
export function forwardToOpenAi(options: OpenAiUpstreamOptions): GatewayHandler {
  const endpoint = `${options.url.replace(/\/+$/, '')}/chat/completions`;
  const http = axios.create({ adapter: 'http' });
  const log = options.log ?? (() => undefined);
  const post = (body: object, stream: boolean) => postUpstream(http, endpoint, body, options.apiKey, stream);

  return (req, reply) => {
    const pathname = new URL(req.path, 'http://gateway.invalid').pathname;
    const stream = pathname === STREAM_PATH;
    if (req.method !== 'POST' || (pathname !== CHAT_PATH && !stream)) return reply.json(404, { detail: 'not found' });
    const model = String((req.body as { model?: unknown } | null)?.model ?? '');
    const started = performance.now();
    const upstream = post(toOpenAiRequest(req.body, stream), stream);
    const label = `${stream ? 'stream' : 'chat'} ${model}`;
    if (!stream) {
      return settle(req, log, label, (done) =>
        upstream
          .pipe(
            switchMap((response) => bodyText(responseBytes(response, { method: 'POST', url: endpoint }), MAX_ANSWER_BYTES, () => new UpstreamError(`upstream answer exceeds ${MAX_ANSWER_BYTES} bytes`))),
            map((text) => fromOpenAiResponse(parseAnswer(text), model, Math.round(performance.now() - started))),
          )
          .subscribe({
            next: (answer) => reply.json(200, answer),
            error: (error: unknown) => done(failWhole(reply, error, model)),
            complete: () => done('ok'),
          }),
      );
    }
    let chunks = 0;
    const send = (text: string) => {
      if (chunks++ === 0) reply.head(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      void reply.write(text);
    };
    return settle(req, log, label, (done) =>
      upstream
        .pipe(
          switchMap((response) => responseBytes(response, { method: 'POST', url: endpoint })),
          parseSseEvents(),
          map((event) => event.data),
          translateOpenAiStream(model),
        )
        .subscribe({
          next: (chunk) => send(`data: ${JSON.stringify(chunk)}\n\n`),
          error: (error: unknown) => {
            if (chunks === 0) return done(failWhole(reply, error, model));
            send(`data: ${JSON.stringify({ error: 'upstream_failed', detail: detailOf(error) })}\n\n`);
            reply.end();
            done(`failed mid-stream: ${detailOf(error)}`);
          },
          complete: () => {
            send('data: [DONE]\n\n');
            reply.end();
            done(`ok (${chunks - 1} chunks)`);
          },
        }),
    );
  };
}

/**
 * Runs one forwarding and resolves when it ended, logging how. The client going away first unsubscribes it,
 * which aborts the upstream request (or destroys its body mid-stream).
 */
function settle(
  req: RecordedRequest,
  log: (line: string) => void,
  label: string,
  run: (done: (outcome: string) => void) => Subscription,
): Promise<void> {
  return new Promise((resolve) => {
    let finished = false;
    const done = (outcome: string) => {
      if (finished) return;
      finished = true;
      log(`${label}: ${outcome}`);
      resolve();
    };
    const subscription = run(done);
    void req.closed.then(() => {
      if (finished) return;
      subscription.unsubscribe();
      done('client went away; upstream request aborted');
    });
  });
}

function failWhole(reply: Reply, error: unknown, model: string): string {
  const detail = detailOf(error);
  const modelMissing = error instanceof UpstreamError && error.status === 404 && /model/i.test(detail);
  reply.json(modelMissing ? 404 : 502, { detail: modelMissing ? `model "${model}" not found upstream: ${detail}` : detail });
  return `failed: ${detail}`;
}

function detailOf(error: unknown): string {
  if (error instanceof UpstreamError) return error.detail;
  if (error instanceof ConnectionError) return `upstream connection lost: ${error.message}`;
  return `upstream failed: ${error instanceof Error ? error.message : String(error)}`;
}

function parseAnswer(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UpstreamError(`upstream answer is not JSON: ${text.slice(0, 200)}`);
  }
}

/**
 * One POST upstream: emits the 200 response (body unread) and completes. Errors with {@link UpstreamError}:
 * another status (with the error body's message), a 200 stream that is not an event stream, or no connection.
 * Unsubscribing before the answer aborts the request.
 */
function postUpstream(
  http: AxiosInstance,
  url: string,
  body: object,
  apiKey: string | undefined,
  stream: boolean,
): Observable<AxiosResponse> {
  return new Observable<AxiosResponse>((subscriber) => {
    const controller = new AbortController();
    let answered = false;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    http
      .post(url, body, { headers, responseType: 'stream', validateStatus: () => true, maxRedirects: 0, signal: controller.signal })
      .then(
        async (response) => {
          answered = true;
          const type = String(response.headers['content-type'] ?? '');
          if (response.status === 200 && (!stream || type.includes('text/event-stream'))) {
            subscriber.next(response);
            subscriber.complete();
            return;
          }
          const text = await firstValueFrom(bodyText(responseBytes(response, { method: 'POST', url }), 8 * 1024)).catch(() => '');
          const what = response.status === 200 ? `200 with ${type || 'no content type'} instead of an event stream` : String(response.status);
          subscriber.error(new UpstreamError(`upstream answered ${what}: ${openAiErrorMessage(text)}`, response.status));
        },
        (error: unknown) => {
          answered = true;
          const code = (error as { code?: string }).code;
          const what = code === 'ECONNREFUSED' || code === 'ENOTFOUND' ? 'unreachable' : 'connection failed';
          subscriber.error(new UpstreamError(`upstream ${what} at ${url}${code ? ` (${code})` : ''}`));
        },
      );
    return () => {
      if (!answered) controller.abort();
    };
  });
}

