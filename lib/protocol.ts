/**
 * The gateway's wire format (snake_case JSON, checked with zod) and the camelCase types users see, with the
 * mappings between them. Missing fields take the reference provider's defaults; fields of the wrong type are
 * a {@link ResponseValidationError}, never a silently wrong value.
 */
import { LLMProviderError, ResponseValidationError } from './errors';
import { chunkSchema, requestSchema, responseSchema, WireSchema, WireToolCall, WireUsage } from './wire-schemas';

/** One chat message as the gateway takes it (OpenAI style: `role`, `content`, and whatever else the role needs). */
export interface ChatMessage {
  role: string;
  /** Text, or content parts as the gateway's provider takes them (`[{ type: 'text', text }, { type: 'image_url', … }]`). */
  content?: string | null | ReadonlyArray<Record<string, unknown>>;
  [key: string]: unknown;
}

/**
 * A message as an app's own types spell it, which `LLMRequest.messages` takes besides a {@link ChatMessage}:
 * the OpenAI fields, named. TypeScript gives an interface (an app's own message type, openai-node's
 * `ChatCompletionMessageParam`) no implicit index signature, so such a message does not fit `ChatMessage`
 * itself; it fits this.
 */
export interface ChatMessageFields {
  role: string;
  content?: string | null | ReadonlyArray<object>;
  name?: string;
  tool_call_id?: string;
  tool_calls?: ReadonlyArray<object>;
}

/** A request to the gateway. Only `model` and `messages` are required. */
export interface LLMRequest {
  /**
   * The conversation. Read, never changed: a readonly array (an `as const` literal, a store's immutable
   * state) fits, and so do openai-node's message types and an app's own (see {@link ChatMessageFields}).
   */
  messages: ReadonlyArray<ChatMessage | ChatMessageFields>;
  model: string;
  /** Default 0.7. */
  temperature?: number;
  /** Default 1024. */
  maxTokens?: number;
  /** The tool definitions the model is told of. Read, never changed: a readonly array fits, as for `messages`. */
  tools?: ReadonlyArray<unknown> | null;
  toolChoice?: unknown;
  /** Seconds the gateway may spend upstream; default: the client's `timeoutMs` in seconds. */
  timeout?: number;
}

/** Tokens counted by the gateway for one call. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** A tool the model asked to call, with its parsed JSON arguments. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** The answer of `chat$`. */
export interface LLMResponse {
  content: string;
  model: string;
  usage: TokenUsage;
  toolCalls: ToolCall[];
  latencyMs: number;
}

/** One event of `chatStream$`. `usage` is present only on chunks that carry it (usually the last). */
export interface StreamChunk {
  content: string;
  model: string;
  toolCalls: ToolCall[];
  usage?: TokenUsage;
  isFinal: boolean;
}

/**
 * Checks a request and builds its snake_case body. Throws {@link LLMProviderError} naming the field when the
 * request does not fit (no model, messages not an array), so nothing malformed is ever sent.
 */
export function toWireRequest(request: LLMRequest, defaultTimeoutSeconds: number): Record<string, unknown> {
  const checked = requestSchema.safeParse(request);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new LLMProviderError(`Invalid request at "${issue.path.join('.') || '(root)'}": ${issue.message}`);
  }
  return {
    messages: request.messages,
    model: request.model,
    temperature: request.temperature ?? 0.7,
    max_tokens: request.maxTokens ?? 1024,
    tools: request.tools ?? null,
    tool_choice: request.toolChoice ?? null,
    timeout: request.timeout ?? defaultTimeoutSeconds,
  };
}

/** Maps a `/chat` JSON body to an {@link LLMResponse}; throws {@link ResponseValidationError} on a wrong shape. */
export function toLLMResponse(data: unknown, requestModel: string): LLMResponse {
  const wire = check(responseSchema, data);
  return {
    content: wire.content ?? '',
    model: wire.model ?? requestModel,
    usage: toUsage(wire.usage),
    toolCalls: toToolCalls(wire.tool_calls),
    latencyMs: wire.latency_ms ?? 0,
  };
}

/** Maps one stream payload to a {@link StreamChunk}; throws {@link ResponseValidationError} on a wrong shape. */
export function toStreamChunk(data: unknown, requestModel: string): StreamChunk {
  const wire = check(chunkSchema, data);
  const chunk: StreamChunk = {
    content: wire.content ?? '',
    model: wire.model ?? requestModel,
    toolCalls: toToolCalls(wire.tool_calls),
    isFinal: wire.is_final ?? false,
  };
  // The reference leaves usage unset when the payload has none, null or `{}` (`if usage_data:`: an empty dict is
  // falsy): keep that distinction, so an empty one never reads as a count of 0/0 (nor replaces a real count).
  // Counted on the payload, not on `wire`, which no longer holds the keys the schema does not know.
  if (wire.usage && Object.keys((data as { usage: object }).usage).length > 0) chunk.usage = toUsage(wire.usage);
  return chunk;
}

function check<T>(schema: WireSchema<T>, data: unknown): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ResponseValidationError(issue.path.join('.') || '(root)', issue.message, { cause: result.error.issues });
}

function toUsage(usage: WireUsage | null | undefined): TokenUsage {
  return { promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0 };
}

function toToolCalls(calls: WireToolCall[] | null | undefined): ToolCall[] {
  if (!calls || calls.length === 0) return [];
  return calls.map((call) => ({ id: call.id ?? '', name: call.name ?? '', arguments: call.arguments ?? {} }));
}
