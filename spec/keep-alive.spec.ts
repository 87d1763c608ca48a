/**
 * What a finished stream does with its connection: completing at [DONE] lets the response end, so the
 * keep-alive socket serves the next request (no new TCP handshake, the first chunk comes sooner); a server
 * that keeps the response open after [DONE] gets it cut after DRAIN_AFTER_DONE_MS; an unsubscribe still
 * closes it at once (see stream.spec.ts).
 */
import { globalAgent } from 'node:http';
import { DRAIN_AFTER_DONE_MS } from '../lib/stream-chunks';
import { clientFor, hello, record, useGateway } from './support/harness';

const ctx = useGateway();
const chunk = (content: string) => ({ content, model: 'm', tool_calls: [], usage: null, is_final: false });

describe('chatStream$ and keep-alive', () => {
  afterEach(() => jest.restoreAllMocks());

  it('reuses one connection for streams that end normally after [DONE]', async () => {
    // The default client's axios uses node's global agent: count the connections it opens.
    const connect = jest.spyOn(globalAgent, 'createConnection');
    ctx.gateway.route((_req, reply) => reply.sse([chunk('a'), chunk('b')]));
    const { client } = clientFor(ctx.gateway);
    for (let i = 0; i < 3; i++) {
      const result = await record(client.chatStream$(hello));
      expect(result.completed).toBe(true);
      expect(result.values.map((c) => c.content)).toEqual(['a', 'b']);
    }
    const requests = await ctx.gateway.waitForRequests(3);
    await Promise.all(requests.map((request) => request.closed));
    expect(requests.map((request) => request.abortedByClient)).toEqual([false, false, false]);
    expect(connect).toHaveBeenCalledTimes(1);
  });

  it('completes at [DONE] at once, and closes a response the server keeps open after DRAIN_AFTER_DONE_MS', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([chunk('a')], { end: false }));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    const completedAt = performance.now();
    expect(result.completed).toBe(true);
    const [request] = await ctx.gateway.waitForRequests(1);
    const closedAt = await request.closed;
    expect(request.abortedByClient).toBe(true);
    expect(closedAt - completedAt).toBeGreaterThanOrEqual(DRAIN_AFTER_DONE_MS - 50);
  });
});
