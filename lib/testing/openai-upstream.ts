/**
 * A {@link GatewayHandler} that answers the gateway's LLM routes from an OpenAI-compatible server (Ollama, vLLM,
 * llama.cpp's server, LM Studio): `/api/v1/llm/chat` and `/chat/stream` become `POST {url}/chat/completions`,
 * the answers and streamed deltas come back in this gateway's protocol, upstream failures as 502 with a detail.
 * When the gateway's client goes away, the upstream request is aborted too, so the model stops generating.
 */
import axios, { type AxiosResponse } from 'axios';
import { map, switchMap, tap, throwError, timeout, type Subscription } from 'rxjs';
import { bodyText } from '../body-stream';
import { ConnectionError, messageOf } from '../errors';
import { withoutCredentials, withoutSecret } from '../logger';
import { parseSseEvents } from '../parse-sse-events';
import { responseBytes } from '../transport';
import { LONGEST_TIMER_MS } from '../timer-limit';
import { postUpstream, type UpstreamEndpoint } from './openai-upstream-request';
import { translateOpenAiStream } from './openai-stream-translator';
import { fromOpenAiResponse, toOpenAiRequest, UpstreamError } from './openai-wire';
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
/** The request's `timeout` when it has none: the reference provider's default. */
const DEFAULT_TIMEOUT_S = 120;
/**
 * How long a stream may go without a byte to the client while the upstream is busy with what makes no chunk
 * (tool-call fragments, reasoning): then a data-less event (`event: ping`), which a client's idle timer counts
 * and its SSE parser never dispatches.
 */
const PING_AFTER_MS = 1000;

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
  const url = `${options.url.replace(/\/+$/, '')}/chat/completions`;
  const endpoint: UpstreamEndpoint = { http: axios.create({ adapter: 'http' }), url, shownUrl: withoutCredentials(url), apiKey: options.apiKey };
  const bodyOf = (response: AxiosResponse) => responseBytes(response, { method: 'POST', url: endpoint.shownUrl });
  const log = options.log ?? (() => undefined);
  // An upstream may echo its key in an error message: it reaches neither the client nor the log.
  const detail = (error: unknown) => withoutSecret(detailOf(error), options.apiKey ?? '');

  return (req, reply) => {
    const pathname = new URL(req.path, 'http://gateway.invalid').pathname;
    const stream = pathname === STREAM_PATH;
    if (req.method !== 'POST' || (pathname !== CHAT_PATH && !stream)) return reply.json(404, { detail: 'not found' });
    const { model: asked, timeout: seconds } = (req.body ?? {}) as { model?: unknown; timeout?: unknown };
    const model = String(asked ?? '');
    // The request's `timeout`: seconds the gateway may spend upstream (the whole answer, or a stream's longest
    // silence), as the reference's httpx timeout.
    const timeoutS = typeof seconds === 'number' && seconds > 0 ? seconds : DEFAULT_TIMEOUT_S;
    const timeoutMs = Math.min(timeoutS * 1000, LONGEST_TIMER_MS);
    const timedOut = { with: () => throwError(() => new UpstreamError(`upstream timed out after ${timeoutS} s`)) };
    const started = performance.now();
    const upstream = postUpstream(endpoint, toOpenAiRequest(req.body, stream), stream);
    const label = `${stream ? 'stream' : 'chat'} ${model}`;
    if (!stream) {
      return settle(req, log, label, (done) =>
        upstream
          .pipe(
            switchMap((response) => bodyText(bodyOf(response), MAX_ANSWER_BYTES, () => new UpstreamError(`upstream answer exceeds ${MAX_ANSWER_BYTES} bytes`))),
            timeout({ first: timeoutMs, ...timedOut }),
            map((text) => fromOpenAiResponse(parseAnswer(text), model, Math.round(performance.now() - started))),
          )
          .subscribe({
            next: (answer) => reply.json(200, answer),
            error: (error: unknown) => done(failWhole(reply, detail(error), error, model)),
            complete: () => done('ok'),
          }),
      );
    }
    let headSent = false;
    let ended = false;
    let chunks = 0;
    let lastWrite = started;
    const send = (text: string) => {
      if (!headSent) reply.head(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      headSent = true;
      lastWrite = performance.now();
      void reply.write(text);
    };
    return settle(req, log, label, (done) =>
      upstream
        .pipe(
          switchMap(bodyOf),
          timeout({ each: timeoutMs, ...timedOut }),
          parseSseEvents(),
          tap(() => {
            // Decided once this event has been translated (synchronously, below): a ping would send the 200
            // head, and an event that fails the stream must still be a 502, one that gives a chunk needs none.
            if (performance.now() - lastWrite >= PING_AFTER_MS) {
              queueMicrotask(() => {
                if (!ended && !reply.aborted && performance.now() - lastWrite >= PING_AFTER_MS) send('event: ping\n\n');
              });
            }
          }),
          map((event) => event.data),
          translateOpenAiStream(model),
        )
        .subscribe({
          next: (chunk) => {
            chunks++;
            send(`data: ${JSON.stringify(chunk)}\n\n`);
          },
          error: (error: unknown) => {
            ended = true;
            if (!headSent) return done(failWhole(reply, detail(error), error, model));
            send(`data: ${JSON.stringify({ error: 'upstream_failed', detail: detail(error) })}\n\n`);
            reply.end();
            done(`failed mid-stream: ${detail(error)}`);
          },
          complete: () => {
            ended = true;
            send('data: [DONE]\n\n');
            reply.end();
            done(`ok (${chunks} chunks)`);
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

function failWhole(reply: Reply, detail: string, error: unknown, model: string): string {
  const modelMissing = error instanceof UpstreamError && error.status === 404 && /model/i.test(detail);
  reply.json(modelMissing ? 404 : 502, { detail: modelMissing ? `model "${model}" not found upstream: ${detail}` : detail });
  return `failed: ${detail}`;
}

function detailOf(error: unknown): string {
  if (error instanceof UpstreamError) return error.detail;
  if (error instanceof ConnectionError) return `upstream connection lost: ${error.message}`;
  return `upstream failed: ${messageOf(error)}`;
}

function parseAnswer(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UpstreamError(`upstream answer is not JSON: ${text.slice(0, 200)}`);
  }
}
