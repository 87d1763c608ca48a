/**
 * What follows a chunk marked is_final cannot take the answer back: a connection that breaks there, a silence
 * and an end all complete the stream. So must a line past `maxLineBytes` there (a server padding its stream
 * with a long comment to push it through a proxy's buffer): the answer is whole, and `accumulate()` must keep
 * it. Before any final chunk such a line still fails the stream, with `StreamError('line-too-long')`.
 *
 * The fused operator (what chatStream$ runs) and parseSseEvents + toStreamChunks must agree here too: the
 * parser's failure reaches toStreamChunks as a source error, which completes after a final chunk.
 */
import { TestScheduler } from 'rxjs/testing';
import { accumulate, StreamError } from '../lib';
import { parseSseEvents } from '../lib/parse-sse-events';
import { parseStreamChunks, toStreamChunks } from '../lib/stream-chunks';
import { clientFor, hello, record, useGateway } from './support/harness';

const ctx = useGateway();
const encoder = new TextEncoder();
const MAX_LINE = 1024;
const options = { model: 'm', logger: { warn: () => undefined }, maxLineBytes: MAX_LINE };
const longComment = `: ${'x'.repeat(4 * MAX_LINE)}\n\n`;

describe('a line over maxLineBytes after a chunk marked is_final', () => {
  it('chatStream$ completes with the whole answer', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([{ content: 'Hel' }, { content: 'lo', is_final: true }, longComment]));
    const { client } = clientFor(ctx.gateway, { maxLineBytes: MAX_LINE });
    const result = await record(client.chatStream$(hello).pipe(accumulate()));
    expect(result.error).toBeUndefined();
    expect(result.values.map((r) => r.content)).toEqual(['Hello']);
  });

  it('chatStream$ still fails with line-too-long before the final chunk', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([{ content: 'Hel' }, longComment, { content: 'lo', is_final: true }]));
    const { client } = clientFor(ctx.gateway, { maxLineBytes: MAX_LINE });
    const result = await record(client.chatStream$(hello));
    expect(result.error).toBeInstanceOf(StreamError);
    expect((result.error as StreamError).type).toBe('line-too-long');
  });

  it('both operators complete after the final chunk, and fail alike before it', () => {
    const values = { a: encoder.encode('data: {"content": "x"}\n\n'), f: encoder.encode('data: {"content": "y", "is_final": true}\n\n'), l: encoder.encode(longComment) };
    const x = { content: 'x', model: 'm', toolCalls: [], isFinal: false };
    const y = { content: 'y', model: 'm', toolCalls: [], isFinal: true };
    const tooLong = new StreamError('line-too-long', `SSE line exceeds maxLineBytes (${MAX_LINE} bytes)`);
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-f-l-|', values).pipe(parseStreamChunks(options))).toBe('-x-y-|', { x, y });
      expectObservable(cold('-a-f-l-|', values).pipe(parseSseEvents(options), toStreamChunks(options))).toBe('-x-y-|', { x, y });
      expectObservable(cold('-a-l-f-|', values).pipe(parseStreamChunks(options))).toBe('-x-#', { x }, tooLong);
      expectObservable(cold('-a-l-f-|', values).pipe(parseSseEvents(options), toStreamChunks(options))).toBe('-x-#', { x }, tooLong);
    });
  });
});
