/**
 * Behaviours of the Python reference (`remote_llm_provider.py`) that the client keeps, over the loopback
 * gateway: each case is an input the reference reads one way, checked to read the same way here.
 */
import { accumulate, StreamChunk } from '../lib';
import { clientFor, hello, record, useGateway } from './support/harness';

const ctx = useGateway();

describe('parity with the reference provider', () => {
  it('leaves a chunk\'s usage unset for `"usage": {}`, as the reference does (`if usage_data:`, an empty dict is falsy)', async () => {
    ctx.gateway.route((_req, reply) =>
      reply.sse([
        { content: 'Hi', model: 'm', usage: { prompt_tokens: 2, completion_tokens: 1 } },
        { content: '', model: 'm', usage: {}, is_final: true },
      ]),
    );
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    expect(result.completed).toBe(true);
    expect(result.values.map((chunk: StreamChunk) => chunk.usage)).toEqual([{ promptTokens: 2, completionTokens: 1 }, undefined]);
    // So folding the stream keeps the counted usage rather than the empty one's zeros.
    const answer = await record(client.chatStream$(hello).pipe(accumulate()));
    expect(answer.values[0].usage).toEqual({ promptTokens: 2, completionTokens: 1 });
  });

  it('ends at a `data: [DONE]` line with trailing whitespace, as the reference does (it strips each line)', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([{ content: 'Hi', model: 'm' }, 'data: [DONE] \t\n\n'], { done: false }));
    const warnings: string[] = [];
    const { client } = clientFor(ctx.gateway, { logger: { warn: (message) => warnings.push(message) } });
    const result = await record(client.chatStream$(hello));
    expect(result.error).toBeUndefined();
    expect(result.completed).toBe(true);
    expect(result.values.map((chunk) => chunk.content)).toEqual(['Hi']);
    expect(warnings).toEqual([]);
  });

  it('skips a `data:` line with nothing but whitespace after it without a warning, as the reference does', async () => {
    // A heartbeat some servers send; the reference strips the line, sees no `data: ` prefix and moves on.
    ctx.gateway.route((_req, reply) => reply.sse(['data:\n\n', { content: 'Hi', model: 'm' }, 'data: \n\n', 'data:  \t\n\n']));
    const warnings: string[] = [];
    const { client } = clientFor(ctx.gateway, { logger: { warn: (message) => warnings.push(message) } });
    const result = await record(client.chatStream$(hello));
    expect(result.completed).toBe(true);
    expect(result.values.map((chunk) => chunk.content)).toEqual(['Hi']);
    expect(warnings).toEqual([]);
  });
});
