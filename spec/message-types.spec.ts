/**
 * The message arrays an app already has fit `LLMRequest.messages` as they are: openai-node's message types, an
 * app's own interface, a readonly history, an `as const` literal, a literal with a field the type does not
 * name. Checked at compile time by `npm test`'s typecheck (each `@ts-expect-error` fails the build if its line
 * starts compiling), and at run time: each array reaches the gateway unchanged.
 */
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ChatMessage, LLMRequest, MaxStepsExceededError, ToolLoopEvent } from '../lib';
import { clientFor, record, useGateway } from './support/harness';

const ctx = useGateway();

interface AppMessage {
  role: 'user' | 'assistant';
  content: string;
}

const openAiHistory: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
  { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{}' } }] },
  { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
];
const appHistory: AppMessage[] = [{ role: 'user', content: 'hi' }];
const frozen: readonly ChatMessage[] = Object.freeze([{ role: 'user', content: 'hi' }]);
const asConst = [{ role: 'user', content: 'hi' }] as const;

const requests: Array<[what: string, request: LLMRequest]> = [
  ["openai-node's ChatCompletionMessageParam[]", { model: 'm', messages: openAiHistory }],
  ["an app's own message interface", { model: 'm', messages: appHistory }],
  ['a readonly (frozen) array', { model: 'm', messages: frozen }],
  ['an `as const` literal', { model: 'm', messages: asConst }],
  ['a literal with a field not named by the type', { model: 'm', messages: [{ role: 'user', content: 'hi', cache_control: { type: 'ephemeral' } }] }],
];

// What must still not compile.
// @ts-expect-error a message needs its role
export const noRole: LLMRequest = { model: 'm', messages: [{ content: 'hi' }] };
// @ts-expect-error content is text, content parts or null
export const numericContent: LLMRequest = { model: 'm', messages: [{ role: 'user', content: 5 }] };
// What the library hands back (ToolLoopEvent's conversation, MaxStepsExceededError's) is ChatMessage[]: any
// field may be read, content parts as records, and the array is the caller's to extend.
export const readBack = (event: Extract<ToolLoopEvent, { type: 'answer' }>, error: MaxStepsExceededError) => {
  const [message] = event.messages;
  const parts = message.content;
  const firstPart: Record<string, unknown> | undefined = typeof parts === 'object' && parts !== null ? parts[0] : undefined;
  error.messages.push({ role: 'user', content: 'go on' });
  const loose: Array<Record<string, unknown>> = event.messages;
  return [message.reasoning_content, message['cache_control'], firstPart?.text, loose];
};

describe('LLMRequest.messages', () => {
  it.each(requests)('%s reaches the gateway unchanged', async (_what, request) => {
    ctx.gateway.route((_req, reply) => reply.json(200, { content: 'ok' }));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chat$(request));
    expect(result.completed).toBe(true);
    expect(ctx.gateway.requests).toHaveLength(1);
    expect((ctx.gateway.requests[0].body as { messages: unknown }).messages).toEqual(request.messages);
  });
});
