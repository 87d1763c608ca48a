/**
 * `llm-gateway-rx chat "prompt" --server URL`: one request through {@link LlmGatewayClient}, the answer streamed
 * to stdout as it arrives (or in one piece with `--no-stream`), usage and timing on stderr at the end, `--json`
 * for the final `LLMResponse` alone on stdout. Ctrl-C unsubscribes, which aborts the request.
 */
import { parseArgs } from 'node:util';
import { BehaviorSubject, defer, map, Observable, tap } from 'rxjs';
import { accumulate } from '../accumulate';
import { LlmGatewayClient } from '../client';
import { AuthenticationError } from '../errors';
import type { LLMResponse, StreamChunk } from '../protocol';
import type { CliIo } from './cli-io';
import { ExitCode, UsageError } from './exit-codes';
import { fetchGatewayToken } from './gateway-token';
import { gatewayUrl, seconds } from './option-values';
import { readPrompt } from './read-prompt';
import { startSpinner, type Spinner } from './spinner';

/** `chat --help`. */
export const CHAT_USAGE = `Usage: llm-gateway-rx chat "prompt" --server URL [options]

Sends one prompt to the gateway and prints the answer as it streams in.

  --server URL        the gateway's base URL (required)
  --model M           the model to ask for (default: "default"; most upstreams need a real name)
  --token-env VAR     read the JWT from environment variable VAR; without it, a dev token is
                      fetched from the server's /api/v1/auth/refresh (works with \`llm-gateway-rx gateway\`)
  --no-stream         one /chat request instead of a stream
  --json              print the final LLMResponse as JSON on stdout, and nothing else there
  --timeout S         seconds: the whole request, or the longest silence of a stream (default 120);
                      also bounds the dev login and each token refresh (default 30)
  -h, --help          this text

A prompt of "-" is read from stdin (at most 32 MiB).`;

/** What `--json` prints and what the stderr summary is made of. */
interface Outcome {
  response: LLMResponse;
  firstTokenMs?: number;
}

/**
 * Runs `chat` with `args` (the words after `chat`). Resolves with the exit code: 0, or 130 when `io.interrupted`
 * aborted it (the request is cancelled first). Rejects with {@link UsageError} for a bad command line and with
 * the client's `LLMProviderError` subclasses for a failed request; `main` maps those to exit codes.
 */
export async function runChat(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      model: { type: 'string', default: 'default' },
      'token-env': { type: 'string' },
      'no-stream': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(`${CHAT_USAGE}\n`);
    return ExitCode.ok;
  }
  if (!values.server) throw new UsageError('chat needs --server URL (the gateway, e.g. http://127.0.0.1:8787)');
  const serverUrl = gatewayUrl('--server', values.server);
  const timeoutMs = values.timeout === undefined ? undefined : seconds('--timeout', values.timeout) * 1000;
  if (values.model.trim() === '') throw new UsageError(`--model needs a model name, got "${values.model}"`);
  let prompt: string;
  let token: string;
  try {
    // `echo question | llm-gateway-rx chat -` ends the prompt with the shell's newline: not part of the question.
    prompt = positionals.join(' ') === '-' ? (await readPrompt(io.stdin, io.interrupted)).replace(/\r?\n$/, '') : positionals.join(' ');
    if (prompt.trim() === '') throw new UsageError('chat needs a prompt: llm-gateway-rx chat "your question" --server URL');
    token = await initialToken(serverUrl, values['token-env'], io, timeoutMs);
  } catch (error) {
    // Ctrl-C while the prompt is read or the dev login is under way: both stop at once.
    if (!io.interrupted.aborted) throw error;
    io.stderr.write('llm-gateway-rx: interrupted\n');
    return ExitCode.interrupted;
  }
  const token$ = new BehaviorSubject(token);
  const spinner = startSpinner(io.stderr, 'waiting for the first token…');
  const log = (message: string) => {
    if (!io.interrupted.aborted) spinner.print(`llm-gateway-rx: ${message}`);
  };
  const client = new LlmGatewayClient({
    serverUrl,
    token$,
    timeoutMs,
    // The signal: a refresh under way at Ctrl-C must not hold the process open until it ends.
    refreshToken: () => fetchGatewayToken(serverUrl, token$.value, io.interrupted, timeoutMs),
    // After Ctrl-C the request is being torn down: what fails on the way ("refresh failed: canceled") is no news.
    logger: { warn: log, debug: log },
  });
  const request = { model: values.model, messages: [{ role: 'user', content: prompt }] };
  const started = performance.now();
  // Whether the streamed text left stdout mid-line, so that a failure or Ctrl-C starts its own line.
  let midLine = false;
  const text = {
    write(piece: string) {
      midLine = !piece.endsWith('\n');
      io.stdout.write(piece);
    },
  };
  const answer$ = values['no-stream']
    ? wholeAnswer(client.chat$(request), spinner)
    : streamedAnswer(client.chatStream$(request), spinner, started, values.json ? undefined : text);

  const outcome = await untilInterrupted(answer$, io.interrupted).finally(() => {
    spinner.stop();
    if (midLine) io.stdout.write('\n');
  });
  if (outcome === 'interrupted') {
    io.stderr.write('llm-gateway-rx: interrupted, request cancelled\n');
    return ExitCode.interrupted;
  }
  const { response, firstTokenMs } = outcome;
  if (values.json) io.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
  else if (values['no-stream'] && response.content !== '') io.stdout.write(response.content.endsWith('\n') ? response.content : `${response.content}\n`);
  if (!values.json) printToolCalls(response, io);
  const totalMs = performance.now() - started;
  const { promptTokens, completionTokens } = response.usage;
  const timing = firstTokenMs === undefined ? '' : ` | first token ${Math.round(firstTokenMs)} ms`;
  io.stderr.write(`${response.model} | ${promptTokens} prompt + ${completionTokens} completion tokens${timing} | total ${Math.round(totalMs)} ms\n`);
  return ExitCode.ok;
}

async function initialToken(serverUrl: string, tokenEnv: string | undefined, io: CliIo, timeoutMs?: number): Promise<string> {
  if (tokenEnv === undefined) return fetchGatewayToken(serverUrl, undefined, io.interrupted, timeoutMs);
  const token = io.env[tokenEnv];
  if (!token) throw new AuthenticationError(`--token-env ${tokenEnv}: that environment variable is empty or not set`);
  return token;
}

/** Writes each chunk's content to `out` as it arrives (when given) and folds the chunks with `accumulate()`. */
function streamedAnswer(chunks$: Observable<StreamChunk>, spinner: Spinner, started: number, out?: { write(text: string): unknown }): Observable<Outcome> {
  return defer(() => {
    let firstTokenMs: number | undefined;
    return chunks$.pipe(
      tap((chunk) => {
        if (firstTokenMs === undefined && (chunk.content !== '' || chunk.isFinal)) {
          firstTokenMs = performance.now() - started;
          spinner.stop();
        }
        if (chunk.content !== '') out?.write(chunk.content);
      }),
      accumulate(),
      map((response) => ({ response, firstTokenMs })),
    );
  });
}

function wholeAnswer(response$: Observable<LLMResponse>, spinner: Spinner): Observable<Outcome> {
  return new Observable<Outcome>((subscriber) =>
    response$.subscribe({
      next: (response) => {
        spinner.stop();
        subscriber.next({ response });
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    }),
  );
}

/** Resolves with the outcome, or with 'interrupted' once `signal` aborts (unsubscribing aborts the request). */
function untilInterrupted(outcome$: Observable<Outcome>, signal: AbortSignal): Promise<Outcome | 'interrupted'> {
  return new Promise((resolve, reject) => {
    let last: Outcome | undefined;
    const subscription = outcome$.subscribe({
      next: (outcome) => (last = outcome),
      error: (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
      complete: () => {
        signal.removeEventListener('abort', onAbort);
        if (last) resolve(last);
        else reject(new Error('the request completed without an answer'));
      },
    });
    function onAbort() {
      subscription.unsubscribe();
      resolve('interrupted');
    }
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function printToolCalls(response: LLMResponse, io: CliIo): void {
  let text = '';
  for (const call of response.toolCalls) text += `tool call ${call.name} ${JSON.stringify(call.arguments)} (id ${call.id})\n`;
  io.stdout.write(text);
}
