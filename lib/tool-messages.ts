/**
 * How a tool-calling turn is written back into the conversation. The default is the OpenAI chat format that
 * most gateways pass through; `runTools$`'s `toMessages` option swaps in any other (Anthropic-style blocks, a
 * gateway's own shape).
 */
import type { ChatMessage, ChatMessageFields, LLMResponse, ToolCall } from './protocol';

/** The outcome of one tool call, as the model will be told it. */
export interface ToolResult {
  call: ToolCall;
  /** What the model reads: the tool's value as text (strings as they are, anything else as JSON), or the error text. */
  content: string;
  /** Set when the tool was unknown or failed; `content` is then `"<ErrorName>: <message>"`. */
  error?: unknown;
}

/**
 * Builds the messages appended after a turn that asked for tools: the assistant's turn, then the results. Any
 * message `LLMRequest.messages` takes will do, an app's own message types included (see ChatMessageFields).
 */
export type ToolMessages = (response: LLMResponse, results: ToolResult[]) => ReadonlyArray<ChatMessage | ChatMessageFields>;

/**
 * The default {@link ToolMessages}: `{ role: 'assistant', content, tool_calls: [{ id, type: 'function',
 * function: { name, arguments } }] }` (arguments as a JSON string, content `null` when the turn had no text),
 * then one `{ role: 'tool', tool_call_id, content }` per call, in the order the model asked for them.
 */
export const openAiToolMessages = (response: LLMResponse, results: ToolResult[]): ChatMessage[] => [
  {
    role: 'assistant',
    // OpenAI accepts null beside tool_calls; an empty string is refused by some upstreams (empty text block).
    content: response.content === '' ? null : response.content,
    tool_calls: response.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.arguments) },
    })),
  },
  ...results.map((result) => ({ role: 'tool', tool_call_id: result.call.id, content: result.content })),
];

/** The text the model reads for a tool's value. Throws (as JSON.stringify does) on a cycle or a BigInt. */
export function toolValueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value) ?? String(value);
}

/** The text the model reads for a failed tool: enough to recover (retry with other arguments, apologise). */
export function toolErrorText(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : `Error: ${String(error)}`;
  } catch {
    // Thrown values that cannot become text (no prototype, a throwing getter or toString) still must not
    // fail the run.
    return `Error: ${Object.prototype.toString.call(error)}`;
  }
}
