/** accumulate(): marble tests of the fold, then the promise that it gives chat$'s shape over the wire. */
import { lastValueFrom } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { accumulate, LLMResponse, StreamChunk, StreamError } from '../lib';
import { clientFor, hello, useGateway } from './support/harness';

const chunk = (content: string, extra: Partial<StreamChunk> = {}): StreamChunk => ({ content, model: 'm', toolCalls: [], isFinal: false, ...extra });
const response = (extra: Partial<LLMResponse>): LLMResponse => ({
  content: '',
  model: 'm',
  usage: { promptTokens: 0, completionTokens: 0 },
  toolCalls: [],
  latencyMs: 0,
  ...extra,
});

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('accumulate (marbles)', () => {
  it('joins content, keeps the last usage and measures latency from subscribe to the last chunk', () => {
    const testScheduler = scheduler();
    testScheduler.run(({ cold, expectObservable }) => {
      const chunks = {
        a: chunk('Hel', { usage: { promptTokens: 1, completionTokens: 1 } }),
        b: chunk('lo', { model: 'm-2' }),
        c: chunk('', { isFinal: true, model: 'm-2', usage: { promptTokens: 3, completionTokens: 2 } }),
      };
      const expected = response({ content: 'Hello', model: 'm-2', usage: { promptTokens: 3, completionTokens: 2 }, latencyMs: 5 });
      expectObservable(cold('-a-b-c---|', chunks).pipe(accumulate({ scheduler: testScheduler }))).toBe('---------(r|)', { r: expected });
    });
  });

  it('measures from subscribe, not from when the source was created', () => {
    const testScheduler = scheduler();
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('--a|', { a: chunk('x') }).pipe(accumulate({ scheduler: testScheduler }));
      expectObservable(source, '---^').toBe('------(r|)', { r: response({ content: 'x', latencyMs: 2 }) });
    });
  });

  it('collects tool calls in order, a repeated id replacing the earlier call in place', () => {
    const testScheduler = scheduler();
    testScheduler.run(({ cold, expectObservable }) => {
      const f1 = { id: 'c1', name: 'f', arguments: { q: 'partial' } };
      const g = { id: 'c2', name: 'g', arguments: {} };
      const f1Full = { id: 'c1', name: 'f', arguments: { q: 'full' } };
      const anonymous = { id: '', name: 'h', arguments: {} };
      const chunks = { a: chunk('', { toolCalls: [f1] }), b: chunk('', { toolCalls: [g, anonymous] }), c: chunk('', { toolCalls: [f1Full, anonymous] }) };
      const expected = response({ toolCalls: [f1Full, g, anonymous, anonymous], latencyMs: 2 });
      expectObservable(cold('abc|', chunks).pipe(accumulate({ scheduler: testScheduler }))).toBe('---(r|)', { r: expected });
    });
  });

  it('emits an empty response for an empty stream', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<StreamChunk>('---|').pipe(accumulate())).toBe('---(r|)', { r: response({ model: '' }) });
    });
  });

  it('passes an error through and emits nothing', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new StreamError('truncated', 'cut');
      const source = cold('-a-#', { a: chunk('x') }, error);
      expectObservable(source.pipe(accumulate())).toBe('---#', undefined, error);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('unsubscribes the source when unsubscribed', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-a-a-a|', { a: chunk('x') });
      expectObservable(source.pipe(accumulate()), '^--!').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});

describe('accumulate over the wire', () => {
  const ctx = useGateway({ model: { reply: 'A streamed answer in several words' } });

  it('gives chatStream$ the same answer as chat$ from the same model', async () => {
    const { client } = clientFor(ctx.gateway);
    const whole = await lastValueFrom(client.chat$(hello));
    const folded = await lastValueFrom(client.chatStream$(hello).pipe(accumulate()));
    const { latencyMs: _ignored, ...shape } = whole;
    expect(folded).toEqual({ ...shape, latencyMs: expect.any(Number) });
    expect(folded.content).toBe('A streamed answer in several words');
    expect(folded.usage).toEqual({ promptTokens: 1, completionTokens: 6 });
    expect(folded.latencyMs).toBeGreaterThan(0);
  });

  it('folds tool calls streamed across chunks', async () => {
    const call = (id: string, name: string) => ({ id, name, arguments: { id } });
    ctx.gateway.route((_req, reply) =>
      reply.sse([
        { content: 'Let me check. ', model: 'm', tool_calls: [call('c1', 'weather')] },
        { content: '', model: 'm', tool_calls: [call('c2', 'time')] },
        { content: '', model: 'm', tool_calls: [call('c1', 'weather'), call('c2', 'time')], is_final: true, usage: { prompt_tokens: 4, completion_tokens: 9 } },
      ]),
    );
    const { client } = clientFor(ctx.gateway);
    const folded = await lastValueFrom(client.chatStream$(hello).pipe(accumulate()));
    expect(folded.content).toBe('Let me check. ');
    expect(folded.toolCalls).toEqual([call('c1', 'weather'), call('c2', 'time')]);
    expect(folded.usage).toEqual({ promptTokens: 4, completionTokens: 9 });
  });
});
