/**
 * The errors of the tool-calling loop. Both extend {@link LLMProviderError}, so one `instanceof` still catches
 * everything this library fails with.
 */
import { LLMProviderError } from './errors';
import type { ChatMessage, LLMResponse } from './protocol';

/**
 * The model asked for a tool that `tools` does not have. Never thrown at the caller: `runTools$` sends it to
 * the model as the tool's result (so it can pick another tool) and reports it on the `tool-result` event.
 */
export class UnknownToolError extends LLMProviderError {
  override readonly name = 'UnknownToolError';
  constructor(
    readonly toolName: string,
    readonly available: string[],
  ) {
    super(`Unknown tool "${toolName}"; available tools: ${available.length > 0 ? available.join(', ') : '(none)'}`);
  }
}

/**
 * `runTools$` gave up: the model was still asking for tools after `maxSteps` requests. `response` is that last
 * turn, `messages` the conversation it answered (so a caller can inspect it or carry on by hand).
 */
export class MaxStepsExceededError extends LLMProviderError {
  override readonly name = 'MaxStepsExceededError';
  constructor(
    readonly maxSteps: number,
    readonly response: LLMResponse,
    readonly messages: ChatMessage[],
  ) {
    const asked = response.toolCalls.map((call) => call.name).join(', ');
    super(`Tool loop stopped after ${maxSteps} model turn(s): the model still asked for tools (${asked})`);
  }
}
