/**
 * `LLMRequest.tools` is read, never changed, as `messages` is: the tool definitions an app keeps as an
 * `as const` literal, a readonly array of openai-node's `ChatCompletionTool`, or a store's frozen state fit as
 * they are. Checked at compile time by `npm test`'s typecheck (and ts-jest), and at run time: they reach the
 * gateway unchanged.
 */
import type { ChatCompletionTool } from 'openai/resources/chat/completions';
import type { LLMRequest } from '../lib';
import { clientFor, record, useGateway } from './support/harness';

const ctx = useGateway();

const asConst = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }] as const;
const openAiTools: ReadonlyArray<ChatCompletionTool> = Object.freeze([{ type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } }]);
const messages = [{ role: 'user', content: 'hi' }];

const requests: Array<[what: string, request: LLMRequest]> = [
  ['an `as const` literal', { model: 'm', messages, tools: asConst }],
  ["a readonly array of openai-node's ChatCompletionTool", { model: 'm', messages, tools: openAiTools }],
];

// @ts-expect-error tools is an array (or null), not one definition
export const notAnArray: LLMRequest = { model: 'm', messages, tools: asConst[0] };

describe('LLMRequest.tools', () => {
  it.each(requests)('%s reaches the gateway unchanged', async (_what, request) => {
    ctx.gateway.route((_req, reply) => reply.json(200, { content: 'ok' }));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chat$(request));
    expect(result.completed).toBe(true);
    expect((ctx.gateway.requests[0].body as { tools: unknown }).tools).toEqual(request.tools);
  });
});
