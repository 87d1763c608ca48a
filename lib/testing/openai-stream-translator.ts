/**
 * OpenAI's streamed chat completion, event by event, as this gateway's stream chunks. Content deltas pass
 * through at once; tool calls arrive as deltas keyed by `index` (the id and name in the first, the arguments as
 * string fragments after) and are assembled; usage comes in a last chunk with no choices (asked for with
 * `stream_options.include_usage`). Both go out in one final chunk at `[DONE]`.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { objectScan, scanFragment, type ObjectScan } from './json-object-scan';
import { fromOpenAiUsage, openAiErrorMessage, parseToolArguments, UpstreamError, type WireToolCall, type WireUsage } from './openai-wire';

/** One chunk of this gateway's stream, as it goes on the wire. */
export interface WireStreamChunk {
  content: string;
  model: string;
  tool_calls: WireToolCall[];
  usage: WireUsage | null;
  is_final: boolean;
}

interface ToolCallDraft {
  index: number;
  id: string;
  name: string;
  arguments: string;
  /** How far `arguments` is one JSON object, kept up to date fragment by fragment. */
  scan: ObjectScan;
  /** Whether `arguments`, once its object closed, parses: asked at most once (only whitespace may follow). */
  whole?: boolean;
}

/** The tool calls being assembled, in the order they began, and the one each index is filling now. */
interface ToolCallDrafts {
  all: ToolCallDraft[];
  byIndex: Map<number, ToolCallDraft>;
  /** Characters held in all drafts: ids, names and arguments. */
  held: number;
}

type Json = Record<string, unknown>;

const DONE = '[DONE]';
/**
 * The most tool-call text held until `[DONE]` (the bound of a whole `/chat` answer): an upstream that never
 * finishes a call would otherwise grow the gateway without end, while pings keep its client waiting.
 */
const MAX_TOOL_CALL_CHARS = 16 * 1024 * 1024;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Translates the `data` of each upstream SSE event (`[DONE]` included) into gateway chunks: one non-final chunk
 * per non-empty content delta, then at `[DONE]` one final chunk with the assembled tool calls (in index order)
 * and the usage (null when the upstream sent none), and completes. Only choice 0 is read. Errors with
 * {@link UpstreamError} on an `error` payload, a payload that is not JSON, tool arguments that are not a JSON
 * object, tool calls held beyond 16 MiB of text, or a source that completes before `[DONE]`.
 *
 * @example
 * cold('a-b-d|', { a: '{"choices":[{"index":0,"delta":{"content":"Hi"}}]}', b: usageChunk, d: '[DONE]' })
 *   .pipe(translateOpenAiStream('m'))
 * // -> 'a---(f|)': {content: 'Hi', is_final: false, ...}, then {content: '', usage: {...}, is_final: true, ...}
 */
export function translateOpenAiStream(requestModel: string): OperatorFunction<string, WireStreamChunk> {
  return (source) =>
    new Observable<WireStreamChunk>((subscriber) => {
      const drafts: ToolCallDrafts = { all: [], byIndex: new Map(), held: 0 };
      let model = requestModel;
      let usage: WireUsage | null = null;
      let done = false;
      const fail = (detail: string) => subscriber.error(new UpstreamError(detail));
      const finish = () => {
        done = true;
        let toolCalls: WireToolCall[];
        try {
          toolCalls = assemble(drafts);
        } catch (error) {
          subscriber.error(error);
          return;
        }
        subscriber.next({ content: '', model, tool_calls: toolCalls, usage, is_final: true });
        subscriber.complete();
      };
      const subscription = source.subscribe({
        next: (data) => {
          if (done) return;
          if (data.trim() === DONE) return finish();
          const payload = parseJson(data);
          if (!isObject(payload)) return fail(`upstream sent an event that is not a JSON object: ${data.slice(0, 200)}`);
          if (payload.error !== undefined && payload.error !== null) return fail(openAiErrorMessage(payload));
          if (typeof payload.model === 'string' && payload.model) model = payload.model;
          usage = fromOpenAiUsage(payload.usage) ?? usage;
          const choices = Array.isArray(payload.choices) ? payload.choices.filter(isObject) : [];
          const delta = choices.find((choice) => (choice.index ?? 0) === 0)?.delta;
          if (!isObject(delta)) return;
          if (Array.isArray(delta.tool_calls)) collect(drafts, delta.tool_calls);
          if (drafts.held > MAX_TOOL_CALL_CHARS) return fail(`upstream tool calls exceed ${MAX_TOOL_CALL_CHARS} characters`);
          if (typeof delta.content === 'string' && delta.content !== '') {
            subscriber.next({ content: delta.content, model, tool_calls: [], usage: null, is_final: false });
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          if (!done) fail('upstream closed the stream before [DONE]');
        },
      });
      return subscription;
    });
}

/**
 * Folds tool-call deltas into their drafts: id and name taken once, argument fragments appended. A delta with
 * another id than the draft at its index, whose arguments are already a whole JSON object, starts a new call:
 * Ollama sends parallel calls whole, one per chunk, each with `index: 0` (older builds with no index at all).
 */
function collect(drafts: ToolCallDrafts, deltas: unknown[]): void {
  deltas.forEach((delta, position) => {
    if (!isObject(delta)) return;
    // Servers that send whole calls in one delta sometimes leave out `index`; their position stands in for it.
    const index = typeof delta.index === 'number' ? delta.index : position;
    const id = typeof delta.id === 'string' ? delta.id : '';
    let draft = drafts.byIndex.get(index);
    // Another id starts another call only once the current one is whole: some servers (vLLM's gpt-oss
    // streaming, among others) put a new id on every fragment of one call.
    if (!draft || (id && draft.id && id !== draft.id && isWholeObject(draft))) {
      draft = { index, id: '', name: '', arguments: '', scan: objectScan() };
      drafts.all.push(draft);
      drafts.byIndex.set(index, draft);
      drafts.held++; // a call with nothing in it still costs something: endless empty calls are bounded too
    }
    if (id && !draft.id) {
      draft.id = id;
      drafts.held += id.length;
    }
    const fn = isObject(delta.function) ? delta.function : {};
    if (typeof fn.name === 'string' && fn.name && !draft.name) {
      draft.name = fn.name;
      drafts.held += fn.name.length;
    }
    if (typeof fn.arguments === 'string') {
      draft.arguments += fn.arguments;
      drafts.held += fn.arguments.length;
      scanFragment(draft.scan, fn.arguments);
    }
  });
}

function isWholeObject(draft: ToolCallDraft): boolean {
  if (draft.scan.state !== 'closed') return false;
  draft.whole ??= isObject(parseJson(draft.arguments));
  return draft.whole;
}

/** The calls in index order; calls that shared an index keep their arrival order (the sort is stable). */
function assemble(drafts: ToolCallDrafts): WireToolCall[] {
  return [...drafts.all]
    .sort((a, b) => a.index - b.index)
    .map((draft, position) => ({
      id: draft.id || `call_${position}`,
      name: draft.name,
      arguments: parseToolArguments(draft.name, draft.arguments),
    }));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
