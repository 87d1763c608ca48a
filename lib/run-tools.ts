/**
 * `runTools$`: the tool-calling loop of an agent as one cold Observable. Ask the model; while it answers with
 * tool calls, run them, write the turn and the results into the conversation and ask again; end with the
 * answer that needs no tool. Every step is an event, so a UI can show progress as it happens.
 */
import { concat, connect, defer, from, map, merge, mergeMap, Observable, of, tap, throwError } from 'rxjs';
import { accumulate } from './accumulate';
import { LLMProviderError } from './errors';
import type { LlmGateway } from './gateway';
import type { ChatMessage, LLMRequest, LLMResponse, ToolCall } from './protocol';
import { textSoFar } from './text-so-far';
import { runTool, Tools } from './run-tool';
import { MaxStepsExceededError } from './tool-loop-errors';
import { openAiToolMessages, ToolMessages, ToolResult } from './tool-messages';

/** Options of {@link runTools$}. */
export interface RunToolsOptions {
  /** Most model requests in one run; a model still asking for tools after that is an error. Default 8. */
  maxSteps?: number;
  /** How a tool turn is written into the conversation. Default {@link openAiToolMessages}. */
  toMessages?: ToolMessages;
  /** Use `chatStream$` and emit `text` events as each turn's text arrives. Default false (`chat$`). */
  stream?: boolean;
  /** Most tools of one turn running at once: a positive integer, or `Infinity` (the default: all of them). */
  concurrency?: number;
}

/**
 * What {@link runTools$} reports, in order, for each step (one model request, numbered from 1):
 * - `text` (only with `stream: true`): the turn's text so far, after each chunk that adds some;
 * - `turn`: the model answered with tool calls (`response.toolCalls`);
 * - `tool-call`: a tool starts; `tool-result`: it finished (or failed: `error` is set, `content` says why);
 * - `answer`: the model answered without tool calls, the last event; `messages` is the whole conversation,
 *   this answer included, ready for a follow-up question.
 */
export type ToolLoopEvent =
  | { type: 'text'; step: number; text: string }
  | { type: 'turn'; step: number; response: LLMResponse }
  | { type: 'tool-call'; step: number; call: ToolCall }
  | ({ type: 'tool-result'; step: number } & ToolResult)
  | { type: 'answer'; step: number; response: LLMResponse; messages: ChatMessage[] };

/**
 * Runs the tool-calling loop over `gateway` (any {@link LlmGateway}: the client, or a fake in unit tests).
 * Sends `request`; for each tool call of the answer, runs `tools[call.name]` (the tools of one turn run
 * concurrently; their results are written in the order the model asked), appends the turn and the results
 * (see `toMessages`) and asks again, until an answer without tool calls. Emits {@link ToolLoopEvent}s and
 * completes after `answer`.
 *
 * An unknown tool or a tool that throws, rejects or errors does not fail the run: the model reads the error
 * text as that call's result and can recover. The run errors with the gateway's error (an
 * {@link LLMProviderError}), or {@link MaxStepsExceededError} after `maxSteps` turns that all asked for tools
 * (emitted after that last `turn` event). Cold; unsubscribing aborts the request in flight and tears down
 * running tools (their Observables unsubscribed, their `signal` aborted).
 *
 * @example
 * // events: -(tcc)--r--r-t-a|   turn and its two tool calls, two results, text (stream), answer
 * runTools$(client, { model: 'm', messages, tools: definitions }, {
 *   get_weather: ({ city }, { signal }) => fetch(`/weather?city=${city}`, { signal }).then((r) => r.json()),
 * }).pipe(filter((event) => event.type === 'answer'))
 *   .subscribe((event) => console.log(event.response.content));
 */
export function runTools$(gateway: LlmGateway, request: LLMRequest, tools: Tools, options: RunToolsOptions = {}): Observable<ToolLoopEvent> {
  return defer(() => {
    const maxSteps = positiveInteger('maxSteps', options.maxSteps ?? 8);
    const { concurrency = Infinity } = options;
    if (concurrency !== Infinity) positiveInteger('concurrency', concurrency);
    const toMessages = options.toMessages ?? openAiToolMessages;

    const step = (n: number, messages: ChatMessage[]): Observable<ToolLoopEvent> => {
      const afterResponse = (response: LLMResponse): Observable<ToolLoopEvent> => {
        if (response.toolCalls.length === 0) {
          const answer = { role: 'assistant', content: response.content };
          return of({ type: 'answer', step: n, response, messages: [...messages, answer] });
        }
        const turn: ToolLoopEvent = { type: 'turn', step: n, response };
        if (n >= maxSteps) return concat(of(turn), throwError(() => new MaxStepsExceededError(maxSteps, response, messages)));
        const results: ToolResult[] = [];
        const toolEvents = from(response.toolCalls).pipe(
          mergeMap(
            (call, index) =>
              concat(
                of<ToolLoopEvent>({ type: 'tool-call', step: n, call }),
                runTool(tools, call, n).pipe(
                  tap((result) => (results[index] = result)),
                  map((result): ToolLoopEvent => ({ type: 'tool-result', step: n, ...result })),
                ),
              ),
            concurrency,
          ),
        );
        // An app's own message types (ChatMessageFields) are handed on as ChatMessage, as the request's are below.
        return concat(of(turn), toolEvents, defer(() => step(n + 1, [...messages, ...(toMessages(response, results) as ReadonlyArray<ChatMessage>)])));
      };

      const turnRequest: LLMRequest = { ...request, messages };
      if (!options.stream) return gateway.chat$(turnRequest).pipe(mergeMap(afterResponse));
      return gateway.chatStream$(turnRequest).pipe(
        connect((chunks) =>
          merge(
            chunks.pipe(
              textSoFar(),
              map((text): ToolLoopEvent => ({ type: 'text', step: n, text })),
            ),
            chunks.pipe(
              accumulate(),
              // An empty stream names no model; the request's is the one that answered.
              map((response) => (response.model === '' ? { ...response, model: request.model } : response)),
              mergeMap(afterResponse),
            ),
          ),
        ),
      );
    };

    // The events and the error hand the conversation on as ChatMessage[]: a ChatMessageFields is one too, but
    // for TypeScript's rule that only a type with an index signature may be read as one. Messages that are no
    // array (from JavaScript) go to the gateway as they are, whose check names the field in an LLMProviderError.
    const { messages } = request;
    return step(1, (Array.isArray(messages) ? [...messages] : messages) as ChatMessage[]);
  });
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new LLMProviderError(`${name} must be a positive integer, got ${value}`);
  return value;
}
