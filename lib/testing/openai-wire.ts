/**
 * The OpenAI chat-completions wire format, as Ollama, vLLM, llama.cpp's server and LM Studio speak it, mapped to
 * and from this gateway's protocol (../protocol.ts): the request body, the non-streamed answer, tool calls (whose
 * `arguments` OpenAI sends as a JSON *string*) and the error bodies. Pure functions; no I/O.
 */

/**
 * The upstream failed or answered outside the OpenAI shape: `detail` is what the gateway reports for it,
 * `status` the upstream's HTTP status when it answered with an error status.
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly detail: string,
    readonly status?: number,
  ) {
    super(`Upstream failed: ${detail}`);
  }
}

/** This gateway's tool call on the wire. */
export interface WireToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** This gateway's usage on the wire. */
export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Builds the `POST {upstream}/chat/completions` body from a gateway request body. Streaming asks for usage in a
 * last chunk (`stream_options.include_usage`); `tools`/`tool_choice` are sent only when set, since some servers
 * reject `null` there; assistant messages carrying gateway-style tool calls get OpenAI's shape back.
 */
export function toOpenAiRequest(gatewayBody: unknown, stream: boolean): Json {
  const body = isObject(gatewayBody) ? gatewayBody : {};
  const request: Json = {
    model: body.model,
    messages: Array.isArray(body.messages) ? body.messages.map(toOpenAiMessage) : [],
    stream,
  };
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.max_tokens === 'number') request.max_tokens = body.max_tokens;
  if (Array.isArray(body.tools) && body.tools.length > 0) request.tools = body.tools;
  if (body.tool_choice !== null && body.tool_choice !== undefined) request.tool_choice = body.tool_choice;
  if (stream) request.stream_options = { include_usage: true };
  return request;
}

function toOpenAiMessage(message: unknown): unknown {
  if (!isObject(message) || !Array.isArray(message.tool_calls)) return message;
  const toolCalls = message.tool_calls.map((call: unknown) =>
    isObject(call) && !isObject(call.function)
      ? { id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) } }
      : call,
  );
  return { ...message, tool_calls: toolCalls };
}

/**
 * Maps a non-streamed chat-completions answer to the gateway's `/chat` body. Throws {@link UpstreamError} when
 * it has no choice or a tool call's arguments are not a JSON object.
 */
export function fromOpenAiResponse(data: unknown, requestModel: string, latencyMs: number): Json {
  const answer = isObject(data) ? data : {};
  const choice = Array.isArray(answer.choices) ? answer.choices.find(isObject) : undefined;
  if (!choice) throw new UpstreamError(`answer has no choices: ${JSON.stringify(data).slice(0, 200)}`);
  const message = isObject(choice.message) ? choice.message : {};
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isObject) : [];
  return {
    content: typeof message.content === 'string' ? message.content : '',
    model: typeof answer.model === 'string' ? answer.model : requestModel,
    usage: fromOpenAiUsage(answer.usage) ?? { prompt_tokens: 0, completion_tokens: 0 },
    tool_calls: calls.map((call, index) => {
      const fn = isObject(call.function) ? call.function : {};
      const name = typeof fn.name === 'string' ? fn.name : '';
      const id = typeof call.id === 'string' && call.id ? call.id : `call_${index}`;
      return { id, name, arguments: parseToolArguments(name, typeof fn.arguments === 'string' ? fn.arguments : '') };
    }),
    latency_ms: latencyMs,
  };
}

/** OpenAI's `usage` as the gateway's, or undefined when absent or not an object. */
export function fromOpenAiUsage(usage: unknown): WireUsage | undefined {
  if (!isObject(usage)) return undefined;
  const count = (value: unknown) => (typeof value === 'number' ? value : 0);
  return { prompt_tokens: count(usage.prompt_tokens), completion_tokens: count(usage.completion_tokens) };
}

/**
 * Parses a tool call's assembled `arguments` string; empty means no arguments. Throws {@link UpstreamError}
 * naming the tool when the text is not a JSON object (a model that wrote broken JSON, a cut stream).
 */
export function parseToolArguments(name: string, text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isObject(parsed)) throw new UpstreamError(`tool call "${name}" has arguments that are not a JSON object: ${text.slice(0, 200)}`);
  return parsed;
}

/**
 * The human part of an OpenAI-style error body: `error.message` (OpenAI, Ollama, llama.cpp), else a string
 * `error`, else `message` (vLLM), else `detail`, else the text itself, cut to 500 characters.
 */
export function openAiErrorMessage(body: unknown): string {
  const parsed = typeof body === 'string' ? parseJson(body) : body;
  let message: unknown = typeof body === 'string' ? body : JSON.stringify(body);
  if (isObject(parsed)) {
    if (isObject(parsed.error) && typeof parsed.error.message === 'string') message = parsed.error.message;
    else if (typeof parsed.error === 'string') message = parsed.error;
    else if (typeof parsed.message === 'string') message = parsed.message;
    else if (typeof parsed.detail === 'string') message = parsed.detail;
  }
  const text = String(message).trim();
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
