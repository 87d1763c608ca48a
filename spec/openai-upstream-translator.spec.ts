/**
 * The OpenAI -> gateway translation as pure code: the stream operator in marbles and over recorded-shape
 * fixtures, and the request / answer / error-body mappings.
 */
import { from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { translateOpenAiStream, type WireStreamChunk } from '../lib/testing/openai-stream-translator';
import { fromOpenAiResponse, openAiErrorMessage, toOpenAiRequest, UpstreamError } from '../lib/testing/openai-wire';
import { contentStream, dataOf, errorMidStream, ollamaToolCallStream, toolCallStream, truncatedStream } from './fixtures/openai-streams';

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

function translate(body: string, model = 'asked-model'): Promise<WireStreamChunk[]> {
  return lastValueFrom(from(dataOf(body)).pipe(translateOpenAiStream(model), toArray()));
}

async function failure(body: string): Promise<UpstreamError> {
  const error = await translate(body).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

const delta = (content: string) => JSON.stringify({ model: 'm1', choices: [{ index: 0, delta: { content } }] });
const usage = JSON.stringify({ model: 'm1', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } });

describe('translateOpenAiStream (marbles)', () => {
  it('passes content deltas through as they come and ends with one final chunk at [DONE]', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b--u-d-|', { a: delta('Hel'), b: delta('lo'), u: usage, d: '[DONE]' });
      expectObservable(source.pipe(translateOpenAiStream('asked'))).toBe('a-b----(f|)', {
        a: { content: 'Hel', model: 'm1', tool_calls: [], usage: null, is_final: false },
        b: { content: 'lo', model: 'm1', tool_calls: [], usage: null, is_final: false },
        f: { content: '', model: 'm1', tool_calls: [], usage: { prompt_tokens: 3, completion_tokens: 2 }, is_final: true },
      });
    });
  });

  it('emits nothing for role-only and empty deltas, and uses the asked model until the upstream names one', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const roleOnly = JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] });
      const source = cold('r-d|', { r: roleOnly, d: '[DONE]' });
      expectObservable(source.pipe(translateOpenAiStream('asked'))).toBe('--(f|)', {
        f: { content: '', model: 'asked', tool_calls: [], usage: null, is_final: true },
      });
    });
  });

  it('errors when the source completes before [DONE]', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-|', { a: delta('Hel') });
      expectObservable(source.pipe(translateOpenAiStream('asked'))).toBe(
        'a-#',
        { a: { content: 'Hel', model: 'm1', tool_calls: [], usage: null, is_final: false } },
        new UpstreamError('upstream closed the stream before [DONE]'),
      );
    });
  });

  it('ignores whatever follows [DONE] and unsubscribes from the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('d-a-|', { d: '[DONE]', a: delta('late') });
      expectObservable(source.pipe(translateOpenAiStream('asked'))).toBe('(f|)', {
        f: { content: '', model: 'asked', tool_calls: [], usage: null, is_final: true },
      });
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });
});

describe('translateOpenAiStream over recorded-shape streams', () => {
  it('OpenAI content: three chunks then a final one with usage', async () => {
    const chunks = await translate(contentStream);
    expect(chunks.map((c) => c.content)).toEqual(['Hello', ' there', ', wörld!', '']);
    expect(chunks.map((c) => c.is_final)).toEqual([false, false, false, true]);
    expect(chunks[3]).toEqual({
      content: '',
      model: 'gpt-4o-mini-2024-07-18',
      tool_calls: [],
      usage: { prompt_tokens: 19, completion_tokens: 10 },
      is_final: true,
    });
  });

  it('OpenAI tool calls: fragments by index assembled into {id, name, arguments}', async () => {
    const chunks = await translate(toolCallStream);
    expect(chunks).toHaveLength(1);
    expect(chunks[0].tool_calls).toEqual([
      { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', arguments: { location: 'Paris, France' } },
      { id: 'call_ABC', name: 'get_time', arguments: { tz: 'CET' } },
    ]);
    expect(chunks[0].usage).toEqual({ prompt_tokens: 19, completion_tokens: 10 });
  });

  it('Ollama tool call: the whole call in one delta', async () => {
    const [final] = await translate(ollamaToolCallStream);
    expect(final.tool_calls).toEqual([{ id: 'call_x1', name: 'get_weather', arguments: { location: 'Oslo' } }]);
    expect(final).toMatchObject({ model: 'llama3.2', usage: { prompt_tokens: 150, completion_tokens: 20 }, is_final: true });
  });

  it('tool calls arriving out of index order come out in index order, ids filled in when missing', async () => {
    const call = (index: number, fields: object) => JSON.stringify({ choices: [{ index: 0, delta: { tool_calls: [{ index, ...fields }] } }] });
    const [final] = await translate(
      [call(1, { function: { name: 'b', arguments: '{}' } }), call(0, { id: 'c0', function: { name: 'a', arguments: '' } }), '[DONE]']
        .map((data) => `data: ${data}\n\n`)
        .join(''),
    );
    expect(final.tool_calls).toEqual([
      { id: 'c0', name: 'a', arguments: {} },
      { id: 'call_1', name: 'b', arguments: {} },
    ]);
  });

  it.each([
    ['Ollama today: index 0 on every call', (i: number) => ({ index: 0, id: `call_${'ab'[i]}` })],
    ['older Ollama: no index at all', (i: number) => ({ id: `call_${'ab'[i]}` })],
  ])('parallel calls sent whole, one per chunk (%s), stay separate calls in arrival order', async (_name, key) => {
    const whole = (i: number, name: string, args: string) =>
      JSON.stringify({ model: 'llama3.2', choices: [{ index: 0, delta: { tool_calls: [{ ...key(i), type: 'function', function: { name, arguments: args } }] } }] });
    const [final] = await translate(
      [whole(0, 'get_weather', '{"city":"Oslo"}'), whole(1, 'get_time', '{}'), '[DONE]'].map((data) => `data: ${data}\n\n`).join(''),
    );
    expect(final.tool_calls).toEqual([
      { id: 'call_a', name: 'get_weather', arguments: { city: 'Oslo' } },
      { id: 'call_b', name: 'get_time', arguments: {} },
    ]);
  });

  it('one streamed call whose fragments each carry a new id (vLLM gpt-oss) stays one call', async () => {
    const piece = (id: string, fn: object) =>
      JSON.stringify({ model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id, type: 'function', function: fn }] } }] });
    const [final] = await translate(
      [piece('call_1', { name: 'get_weather', arguments: '{"city":' }), piece('call_2', { arguments: '"Oslo"}' }), '[DONE]']
        .map((data) => `data: ${data}\n\n`)
        .join(''),
    );
    expect(final.tool_calls).toEqual([{ id: 'call_1', name: 'get_weather', arguments: { city: 'Oslo' } }]);
  });

  it('an error event mid-stream fails with its message', async () => {
    expect((await failure(errorMidStream)).detail).toBe('llama_decode failed: KV cache is full');
  });

  it('a stream cut before [DONE] fails', async () => {
    expect((await failure(truncatedStream)).detail).toMatch(/before \[DONE\]/);
  });

  it('tool arguments that are not a JSON object fail, naming the tool', async () => {
    const broken = toolCallStream.replace('is, France\\"}', 'is, Fra');
    expect(broken).not.toBe(toolCallStream);
    expect((await failure(broken)).detail).toMatch(/"get_weather" has arguments that are not a JSON object: \{"location": "Paris, Fra/);
  });

  it('an event that is not JSON fails', async () => {
    expect((await failure('data: {"choices": [\n\ndata: [DONE]\n\n')).detail).toMatch(/not a JSON object/);
  });
});

describe('OpenAI wire mappings', () => {
  const gatewayBody = {
    messages: [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c1', name: 'get_weather', arguments: { city: 'Oslo' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
    ],
    model: 'llama3.2',
    temperature: 0.2,
    max_tokens: 64,
    tools: null,
    tool_choice: null,
    timeout: 120,
  };

  it('builds a streamed request with include_usage, without null tools, with OpenAI-shaped tool calls in history', () => {
    expect(toOpenAiRequest(gatewayBody, true)).toEqual({
      model: 'llama3.2',
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      ],
      stream: true,
      temperature: 0.2,
      max_tokens: 64,
      stream_options: { include_usage: true },
    });
  });

  it('a non-streamed request has no stream_options; tools and tool_choice pass through when set', () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    const request = toOpenAiRequest({ ...gatewayBody, tools, tool_choice: 'auto' }, false);
    expect(request).toMatchObject({ stream: false, tools, tool_choice: 'auto' });
    expect(request).not.toHaveProperty('stream_options');
  });

  it('maps a non-streamed answer with a tool call and usage', () => {
    const answer = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model: 'llama3.2',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    };
    expect(fromOpenAiResponse(answer, 'asked', 12)).toEqual({
      content: '',
      model: 'llama3.2',
      usage: { prompt_tokens: 7, completion_tokens: 3 },
      tool_calls: [{ id: 'call_1', name: 'f', arguments: { x: 1 } }],
      latency_ms: 12,
    });
  });

  it('an answer without choices is an UpstreamError', () => {
    expect(() => fromOpenAiResponse({ object: 'chat.completion', choices: [] }, 'm', 0)).toThrow(UpstreamError);
  });

  it.each([
    ['OpenAI / Ollama', '{"error":{"message":"model \\"x\\" not found, try pulling it first","type":"api_error"}}', 'model "x" not found, try pulling it first'],
    ['vLLM', '{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","code":404}', 'The model `x` does not exist.'],
    ['a string error', '{"error":"boom"}', 'boom'],
    ['plain text', '404 page not found', '404 page not found'],
  ])('reads the message of an error body: %s', (_, body, message) => {
    expect(openAiErrorMessage(body)).toBe(message);
  });
});
