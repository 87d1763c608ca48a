/**
 * A connection that breaks after a chunk marked is_final: the answer is whole, as when the body ends without
 * [DONE] or falls silent there, so the stream completes rather than failing (and `accumulate()` keeps it).
 */
import { TestScheduler } from 'rxjs/testing';
import { accumulate, ConnectionError } from '../lib';
import { parseSseEvents } from '../lib/parse-sse-events';
import { parseStreamChunks, toStreamChunks } from '../lib/stream-chunks';
import { clientFor, hello, record, useGateway } from './support/harness';

const ctx = useGateway();
const encoder = new TextEncoder();
const options = { model: 'm', logger: { warn: () => undefined } };

describe('a connection broken after a chunk marked is_final', () => {
  it('completes chatStream$ with every chunk when the gateway resets the connection there', async () => {
    ctx.gateway.route(async (_req, reply) => {
      await reply.sse([{ content: 'Hel' }, { content: 'lo', is_final: true }], { done: false, end: false });
      reply.drop();
    });
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello).pipe(accumulate()));
    expect(result.error).toBeUndefined();
    expect(result.values.map((r) => r.content)).toEqual(['Hello']);
  });

  it('completes in both operators, and still fails on a break before the final chunk', () => {
    const lost = new ConnectionError('Connection lost mid-response: aborted', { status: 200 });
    const values = { a: encoder.encode('data: {"content": "x"}\n\n'), f: encoder.encode('data: {"content": "y", "is_final": true}\n\n') };
    const x = { content: 'x', model: 'm', toolCalls: [], isFinal: false };
    const y = { content: 'y', model: 'm', toolCalls: [], isFinal: true };
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-f-#', values, lost).pipe(parseStreamChunks(options))).toBe('-x-y-|', { x, y });
      expectObservable(cold('-a-f-#', values, lost).pipe(parseSseEvents(), toStreamChunks(options))).toBe('-x-y-|', { x, y });
      expectObservable(cold('-a-#', values, lost).pipe(parseStreamChunks(options))).toBe('-x-#', { x }, lost);
    });
  });
});
