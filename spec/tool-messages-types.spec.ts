/**
 * A `toMessages` of an app's own writes the turn in the app's own message types, as `LLMRequest.messages`
 * takes them: openai-node's `ChatCompletionMessageParam`, an app's interface for its gateway's shape (no index
 * signature: see ChatMessageFields). Checked at compile time by `npm test`'s typecheck, and at run time: the
 * messages reach the next turn's request as written.
 */
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { ChatMessage, openAiToolMessages, runTools$, ToolMessages, Tools } from '../lib';
import { clientFor, record, useGateway } from './support/harness';
import { scriptedTurns } from './support/scripted-turns';

const ctx = useGateway();

/** The OpenAI format, typed with openai-node's own message type. */
const typedOpenAi: ToolMessages = (response, results): ChatCompletionMessageParam[] => [
  {
    role: 'assistant',
    content: response.content,
    tool_calls: response.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments) } })),
  },
  ...results.map((result): ChatCompletionMessageParam => ({ role: 'tool', tool_call_id: result.call.id, content: result.content })),
];

/** An app's own interface for its gateway's shape. */
interface GatewayToolMessage {
  role: 'assistant' | 'tool';
  content: string;
  call_ids?: string[];
}
const appShape: ToolMessages = (response, results): GatewayToolMessage[] => [
  { role: 'assistant', content: response.content, call_ids: response.toolCalls.map((call) => call.id) },
  ...results.map((result): GatewayToolMessage => ({ role: 'tool', content: result.content })),
];

// The default still hands back ChatMessage[]: any field may be read, and the array is the caller's to extend.
export const readDefault = (...args: Parameters<ToolMessages>): ChatMessage[] => {
  const messages = openAiToolMessages(...args);
  messages.push({ role: 'user', content: 'go on' });
  return messages;
};
// @ts-expect-error a message still needs its role
export const noRole: ToolMessages = () => [{ content: 'x' }];

const weatherCall = { id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } };
const tools: Tools = { get_weather: () => 'sunny' };
const question = { model: 'agent', messages: [{ role: 'user', content: 'Weather?' }] };

describe('ToolMessages', () => {
  it.each([
    ["openai-node's ChatCompletionMessageParam[]", typedOpenAi],
    ["an app's own message interface", appShape],
  ])('%s: the turn reaches the next request as written', async (_what, toMessages) => {
    ctx.gateway.route(scriptedTurns([{ content: 'Let me see.', toolCalls: [weatherCall] }, { content: 'Sunny.' }]));
    const { client } = clientFor(ctx.gateway);
    const result = await record(runTools$(client, question, tools, { toMessages }));
    expect(result.completed).toBe(true);
    const sent = (ctx.gateway.requests[1].body as { messages: unknown[] }).messages;
    expect(sent.slice(1)).toEqual(JSON.parse(JSON.stringify(toMessages({ content: 'Let me see.', model: 'agent', usage: { promptTokens: 10, completionTokens: 5 }, toolCalls: [weatherCall], latencyMs: 1 }, [{ call: weatherCall, content: 'sunny' }]))));
  });
});
