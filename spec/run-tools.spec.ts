/** runTools$ against the loopback gateway: the steps, what goes on the wire each turn, failures and teardown. */
import { firstValueFrom, NEVER, Observable, of, Subject, timer, map, filter } from 'rxjs';
import {
  ChatMessage,
  GatewayError,
  LLMProviderError,
  LLMRequest,
  MaxStepsExceededError,
  runTools$,
  ToolLoopEvent,
  Tools,
  UnknownToolError,
} from '../lib';
import { clientFor, delay, errorOf, record, useGateway } from './support/harness';
import { scriptedTurns } from './support/scripted-turns';

const ctx = useGateway();
const question = { model: 'agent', messages: [{ role: 'user', content: 'Weather in Paris, in Fahrenheit?' }], tools: [{ type: 'function' }] };
const weatherCall = { id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } };
const convertCall = { id: 'c2', name: 'to_fahrenheit', arguments: { celsius: 20 } };
const tools: Tools = {
  get_weather: async ({ city }) => ({ city, celsius: 20 }),
  to_fahrenheit: ({ celsius }) => `${(Number(celsius) * 9) / 5 + 32} °F`,
};
const sentMessages = (n: number) => (ctx.gateway.requests[n].body as { messages: ChatMessage[] }).messages;
const brief = (events: ToolLoopEvent[]) =>
  events.map((e) => (e.type === 'tool-call' || e.type === 'tool-result' ? `${e.step}:${e.type}:${e.call.name}` : `${e.step}:${e.type}`));

describe('runTools$', () => {
  it('runs the tools the model asks for, turn by turn, until an answer without tool calls', async () => {
    ctx.gateway.route(
      scriptedTurns([{ content: 'Checking.', toolCalls: [weatherCall] }, { toolCalls: [convertCall] }, { content: 'It is 68 °F in Paris.' }]),
    );
    const { client } = clientFor(ctx.gateway);
    const result = await record(runTools$(client, question, tools));
    expect(result.completed).toBe(true);
    expect(brief(result.values)).toEqual([
      '1:turn', '1:tool-call:get_weather', '1:tool-result:get_weather',
      '2:turn', '2:tool-call:to_fahrenheit', '2:tool-result:to_fahrenheit',
      '3:answer',
    ]);
    const answer = result.values[6] as Extract<ToolLoopEvent, { type: 'answer' }>;
    expect(answer.response.content).toBe('It is 68 °F in Paris.');
    expect(result.values[2]).toMatchObject({ content: '{"city":"Paris","celsius":20}' });
    expect(result.values[2]).not.toHaveProperty('error');

    expect(ctx.gateway.requests.map((r) => r.path)).toEqual(Array(3).fill('/api/v1/llm/chat'));
    expect(sentMessages(0)).toEqual(question.messages);
    const afterFirstTurn = [
      ...question.messages,
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: '{"city":"Paris","celsius":20}' },
    ];
    expect(sentMessages(1)).toEqual(afterFirstTurn);
    const afterSecondTurn = [
      ...afterFirstTurn,
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c2', type: 'function', function: { name: 'to_fahrenheit', arguments: '{"celsius":20}' } }],
      },
      { role: 'tool', tool_call_id: 'c2', content: '68 °F' },
    ];
    expect(sentMessages(2)).toEqual(afterSecondTurn);
    expect(answer.messages).toEqual([...afterSecondTurn, { role: 'assistant', content: 'It is 68 °F in Paris.' }]);
    // Everything but the messages is the caller's request, on every turn.
    for (const sent of ctx.gateway.requests) expect(sent.body).toMatchObject({ model: 'agent', tools: [{ type: 'function' }] });
  });

  it('answers at once when the first turn needs no tool', async () => {
    ctx.gateway.route(scriptedTurns([{ content: 'Hi!' }]));
    const { client } = clientFor(ctx.gateway);
    const result = await record(runTools$(client, question, tools));
    expect(brief(result.values)).toEqual(['1:answer']);
    expect(ctx.gateway.requests).toHaveLength(1);
  });

  it('runs a turn\'s tools concurrently and writes their results in the order the model asked', async () => {
    const calls = [
      { id: 'slow', name: 'slow', arguments: {} },
      { id: 'fast', name: 'fast', arguments: {} },
    ];
    const slowFast: Tools = { slow: () => timer(30).pipe(map(() => 'slow done')), fast: () => 'fast done' };
    ctx.gateway.route(scriptedTurns([{ toolCalls: calls }, { content: 'ok' }]));
    const { client } = clientFor(ctx.gateway);
    const result = await record(runTools$(client, question, slowFast));
    expect(brief(result.values)).toEqual(['1:turn', '1:tool-call:slow', '1:tool-call:fast', '1:tool-result:fast', '1:tool-result:slow', '2:answer']);
    expect(sentMessages(1).slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'slow', content: 'slow done' },
      { role: 'tool', tool_call_id: 'fast', content: 'fast done' },
    ]);

    ctx.gateway.route(scriptedTurns([{ toolCalls: calls }, { content: 'ok' }]));
    const sequential = await record(runTools$(client, question, slowFast, { concurrency: 1 }));
    expect(brief(sequential.values).slice(1, 5)).toEqual(['1:tool-call:slow', '1:tool-result:slow', '1:tool-call:fast', '1:tool-result:fast']);
  });

  it('tells the model about an unknown tool and a failing tool instead of failing the run', async () => {
    const calls = [
      { id: 'u', name: 'launch_rockets', arguments: {} },
      { id: 'p', name: 'toString', arguments: {} },
      { id: 't', name: 'throws', arguments: {} },
      { id: 'r', name: 'rejects', arguments: {} },
      { id: 'o', name: 'errors', arguments: {} },
    ];
    const failing: Tools = {
      throws: () => {
        throw new TypeError('bad city');
      },
      rejects: () => Promise.reject(new Error('service down')),
      errors: () => new Observable((subscriber) => subscriber.error('plain string')),
    };
    ctx.gateway.route(scriptedTurns([{ toolCalls: calls }, { content: 'Sorry, the tools failed.' }]));
    const { client } = clientFor(ctx.gateway);
    const result = await record(runTools$(client, question, failing));
    expect(result.completed).toBe(true);
    expect(sentMessages(1).slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'u', content: 'UnknownToolError: Unknown tool "launch_rockets"; available tools: throws, rejects, errors' },
      { role: 'tool', tool_call_id: 'p', content: 'UnknownToolError: Unknown tool "toString"; available tools: throws, rejects, errors' },
      { role: 'tool', tool_call_id: 't', content: 'TypeError: bad city' },
      { role: 'tool', tool_call_id: 'r', content: 'Error: service down' },
      { role: 'tool', tool_call_id: 'o', content: 'Error: plain string' },
    ]);
    // Events come as tools finish (a rejection settles later than a throw); look them up by call id.
    const errors = Object.fromEntries(result.values.flatMap((e) => (e.type === 'tool-result' ? [[e.call.id, e.error]] : [])));
    expect(errors).toEqual({
      u: expect.any(UnknownToolError),
      p: expect.any(UnknownToolError),
      t: expect.any(TypeError),
      r: expect.any(Error),
      o: 'plain string',
    });
  });

  it('tells the model a tool\'s value as text: strings as they are, Observables by their last value, nothing as ""', async () => {
    const calls = ['text', 'list', 'stream', 'empty', 'nothing'].map((name) => ({ id: name, name, arguments: {} }));
    const valued: Tools = {
      text: () => '[not json]',
      list: () => [1, 2],
      stream: () => of('first', 'last'),
      empty: () => of(),
      nothing: () => undefined,
    };
    ctx.gateway.route(scriptedTurns([{ toolCalls: calls }, { content: 'ok' }]));
    const { client } = clientFor(ctx.gateway);
    await record(runTools$(client, question, valued));
    expect(sentMessages(1).slice(2).map((m) => m.content)).toEqual(['[not json]', '[1,2]', 'last', '', '']);
  });

  it('fails with MaxStepsExceededError after maxSteps turns that all asked for tools', async () => {
    ctx.gateway.route(scriptedTurns([{ toolCalls: [weatherCall] }]));
    const { client } = clientFor(ctx.gateway);
    const result = await record(runTools$(client, question, tools, { maxSteps: 3 }));
    expect(result.error).toBeInstanceOf(MaxStepsExceededError);
    expect(result.error).toMatchObject({
      name: 'MaxStepsExceededError',
      maxSteps: 3,
      message: 'Tool loop stopped after 3 model turn(s): the model still asked for tools (get_weather)',
    });
    expect((result.error as MaxStepsExceededError).messages).toEqual(sentMessages(2));
    expect(ctx.gateway.requests).toHaveLength(3);
    expect(brief(result.values).filter((e) => e.endsWith('turn'))).toEqual(['1:turn', '2:turn', '3:turn']);
    expect(brief(result.values).at(-1)).toBe('3:turn');
  });

  it('hands on its own copy of the conversation: what the caller does to the error\'s messages leaves the request alone', async () => {
    ctx.gateway.route(scriptedTurns([{ toolCalls: [weatherCall] }]));
    const { client } = clientFor(ctx.gateway);
    const request = { ...question, messages: [...question.messages] };
    const error = (await errorOf(runTools$(client, request, tools, { maxSteps: 1 }))) as MaxStepsExceededError;
    expect(error.messages).toEqual(question.messages);
    error.messages.push({ role: 'user', content: 'and in Lyon?' });
    expect(request.messages).toEqual(question.messages);
  });

  it('stops at 8 turns by default', async () => {
    ctx.gateway.route(scriptedTurns([{ toolCalls: [weatherCall] }]));
    const { client } = clientFor(ctx.gateway);
    expect(await errorOf(runTools$(client, question, tools))).toMatchObject({ maxSteps: 8 });
    expect(ctx.gateway.requests).toHaveLength(8);
  });

  it('writes tool turns with toMessages when given', async () => {
    ctx.gateway.route(scriptedTurns([{ content: 'Let me see.', toolCalls: [weatherCall] }, { content: 'Mild.' }]));
    const { client } = clientFor(ctx.gateway);
    const anthropicStyle = runTools$(client, question, tools, {
      toMessages: (response, results) => [
        { role: 'assistant', content: response.content, calls: response.toolCalls.map((c) => c.id) },
        { role: 'user', content: null, tool_results: results.map((r) => ({ tool_use_id: r.call.id, content: r.content })) },
      ],
    });
    await record(anthropicStyle);
    expect(sentMessages(1).slice(1)).toEqual([
      { role: 'assistant', content: 'Let me see.', calls: ['c1'] },
      { role: 'user', content: null, tool_results: [{ tool_use_id: 'c1', content: '{"city":"Paris","celsius":20}' }] },
    ]);
  });

  it('fails with the gateway\'s error when a turn fails', async () => {
    const turns = scriptedTurns([{ toolCalls: [weatherCall] }]);
    ctx.gateway.route((req, reply) => (req.seq === 2 ? reply.json(502, { detail: 'upstream down' }) : turns(req, reply)));
    const { client } = clientFor(ctx.gateway);
    const result = await record(runTools$(client, question, tools));
    expect(result.error).toBeInstanceOf(GatewayError);
    expect(brief(result.values)).toEqual(['1:turn', '1:tool-call:get_weather', '1:tool-result:get_weather']);
  });

  it('refuses a maxSteps that is not a positive integer, before sending anything', async () => {
    const { client } = clientFor(ctx.gateway);
    expect((await errorOf(runTools$(client, question, tools, { maxSteps: 0 }))).message).toBe('maxSteps must be a positive integer, got 0');
    expect((await errorOf(runTools$(client, question, tools, { concurrency: 1.5 }))).message).toBe('concurrency must be a positive integer, got 1.5');
    expect(ctx.gateway.requests).toHaveLength(0);
  });

  it('fails a request whose messages are not an array with the gateway\'s LLMProviderError, as chat$ does', async () => {
    // From JavaScript, or data typed `any` (a parsed body): the run must fail the way the client does, with the
    // field named, not with a TypeError from inside the loop that `instanceof LLMProviderError` misses.
    const { client } = clientFor(ctx.gateway);
    for (const messages of [undefined, null, 'Weather in Paris?']) {
      const request = { model: 'agent', messages } as unknown as LLMRequest;
      const expected = await errorOf(client.chat$(request));
      const error = await errorOf(runTools$(client, request, tools));
      expect(error).toBeInstanceOf(LLMProviderError);
      expect(error.message).toBe(expected.message);
    }
    expect(ctx.gateway.requests).toHaveLength(0);
  });

  it('takes concurrency: Infinity, its default, when it is spelled out', async () => {
    ctx.gateway.route(scriptedTurns([{ toolCalls: [weatherCall] }, { content: 'done' }]));
    const { client } = clientFor(ctx.gateway);
    const result = await record(runTools$(client, question, tools, { concurrency: Infinity }));
    expect(result.error).toBeUndefined();
    expect(brief(result.values).at(-1)).toBe('2:answer');
  });

  it('a tool that changes its arguments does not rewrite what the model asked for', async () => {
    ctx.gateway.route(scriptedTurns([{ toolCalls: [weatherCall] }, { content: 'done' }]));
    const { client } = clientFor(ctx.gateway);
    const editing: Tools = {
      get_weather: (args) => {
        args.units ??= 'metric'; // a default filled in place
        delete args.city;
        return 'sunny';
      },
    };
    const result = await record(runTools$(client, question, editing));
    expect(result.values[0]).toMatchObject({ type: 'turn', response: { toolCalls: [{ arguments: { city: 'Paris' } }] } });
    const assistant = sentMessages(1)[1] as unknown as { tool_calls: Array<{ function: { arguments: string } }> };
    expect(assistant.tool_calls[0].function.arguments).toBe('{"city":"Paris"}');
  });

  it('a tool that changes an array in its arguments does not rewrite what the model asked for either', async () => {
    const call = { id: 'c1', name: 'get_weather', arguments: { cities: ['Paris'] } };
    ctx.gateway.route(scriptedTurns([{ toolCalls: [call] }, { content: 'done' }]));
    const { client } = clientFor(ctx.gateway);
    const editing: Tools = {
      get_weather: (args) => {
        (args.cities as string[]).push('Rome');
        return 'sunny';
      },
    };
    const result = await record(runTools$(client, question, editing));
    expect(result.values[0]).toMatchObject({ type: 'turn', response: { toolCalls: [{ arguments: { cities: ['Paris'] } }] } });
    const assistant = sentMessages(1)[1] as unknown as { tool_calls: Array<{ function: { arguments: string } }> };
    expect(assistant.tool_calls[0].function.arguments).toBe('{"cities":["Paris"]}');
  });

  it('tells the model that no tools are available when it asks for one of none', async () => {
    ctx.gateway.route(scriptedTurns([{ toolCalls: [{ id: 'u', name: 'launch_rockets', arguments: {} }] }, { content: 'I have no tools.' }]));
    const { client } = clientFor(ctx.gateway);
    const result = await record(runTools$(client, question, {}));
    expect(result.completed).toBe(true);
    expect(sentMessages(1).slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'u', content: 'UnknownToolError: Unknown tool "launch_rockets"; available tools: (none)' },
    ]);
  });

  it('a tool that throws what cannot become text (no prototype) still gives a tool result, not a failed run', async () => {
    ctx.gateway.route(scriptedTurns([{ toolCalls: [weatherCall] }, { content: 'done' }]));
    const { client } = clientFor(ctx.gateway);
    const throwing: Tools = {
      get_weather: () => {
        throw Object.assign(Object.create(null), { code: 'E_BAD' });
      },
    };
    const result = await record(runTools$(client, question, throwing));
    expect(result.error).toBeUndefined();
    expect(sentMessages(1).at(-1)).toEqual({ role: 'tool', tool_call_id: 'c1', content: 'Error: [object Object]' });
  });
});

describe('runTools$ with stream: true', () => {
  it('emits each turn\'s text as it arrives and sends every turn to the stream endpoint', async () => {
    ctx.gateway.route(scriptedTurns([{ content: 'One moment.', toolCalls: [weatherCall] }, { content: 'Mild and sunny.' }]));
    const { client } = clientFor(ctx.gateway);
    const result = await record(runTools$(client, question, tools, { stream: true }));
    expect(result.completed).toBe(true);
    expect(result.values.map((e) => (e.type === 'text' ? `${e.step}:${e.text}` : brief([e])[0]))).toEqual([
      '1:One ', '1:One moment.', '1:turn', '1:tool-call:get_weather', '1:tool-result:get_weather',
      '2:Mild ', '2:Mild and ', '2:Mild and sunny.', '2:answer',
    ]);
    expect(ctx.gateway.requests.map((r) => r.path)).toEqual(['/api/v1/llm/chat/stream', '/api/v1/llm/chat/stream']);
    expect(sentMessages(1)[1]).toMatchObject({ role: 'assistant', content: 'One moment.', tool_calls: [{ id: 'c1' }] });
    const answer = result.values.at(-1) as Extract<ToolLoopEvent, { type: 'answer' }>;
    expect(answer.response).toMatchObject({ content: 'Mild and sunny.', model: 'agent', usage: { promptTokens: 10, completionTokens: 5 } });
  });

  it('an empty stream (only [DONE]) is an answer from the requested model, with no text', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([]));
    const { client } = clientFor(ctx.gateway);
    const result = await record(runTools$(client, question, tools, { stream: true }));
    expect(result.completed).toBe(true);
    expect(result.values).toEqual([
      {
        type: 'answer',
        step: 1,
        response: { content: '', model: 'agent', usage: { promptTokens: 0, completionTokens: 0 }, toolCalls: [], latencyMs: expect.any(Number) },
        messages: [...question.messages, { role: 'assistant', content: '' }],
      },
    ]);
  });
});

describe('runTools$ teardown', () => {
  it('aborts the HTTP request in flight on unsubscribe', async () => {
    ctx.gateway.route(() => undefined); // a stall: the model never answers
    const { client } = clientFor(ctx.gateway);
    const subscription = runTools$(client, question, tools).subscribe();
    const [sent] = await ctx.gateway.waitForRequests(1);
    subscription.unsubscribe();
    await sent.closed;
    expect(sent.abortedByClient).toBe(true);
  });

  it('tears down a running tool on unsubscribe, aborting its signal, and asks the model nothing more', async () => {
    let toolTornDown = false;
    let signal: AbortSignal | undefined;
    const started = new Subject<void>();
    const slow: Tools = {
      get_weather: (_args, context) => {
        signal = context.signal;
        started.next();
        return new Observable(() => () => (toolTornDown = true));
      },
    };
    ctx.gateway.route(scriptedTurns([{ toolCalls: [weatherCall] }, { content: 'never asked' }]));
    const { client } = clientFor(ctx.gateway);
    const toolStarted = firstValueFrom(started);
    const subscription = runTools$(client, question, slow).subscribe();
    await toolStarted;
    expect(signal?.aborted).toBe(false);
    subscription.unsubscribe();
    expect(toolTornDown).toBe(true);
    expect(signal?.aborted).toBe(true);
    await delay(50);
    expect(ctx.gateway.requests).toHaveLength(1);
  });

  it('does not abort the signal of a tool that already finished', async () => {
    const signals: AbortSignal[] = [];
    const recordSignal: Tools = {
      get_weather: (_args, { signal }) => {
        signals.push(signal);
        return 'done';
      },
    };
    ctx.gateway.route(scriptedTurns([{ toolCalls: [weatherCall] }, { content: 'ok' }]));
    const { client } = clientFor(ctx.gateway);
    await record(runTools$(client, question, recordSignal));
    expect(signals).toHaveLength(1);
    expect(signals[0].aborted).toBe(false);
  });

  it('stops a stream turn mid-answer on unsubscribe', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([{ content: 'partial ', model: 'agent' }], { end: false, done: false }));
    const { client } = clientFor(ctx.gateway);
    const texts = runTools$(client, question, tools, { stream: true }).pipe(filter((e) => e.type === 'text'));
    const first = await firstValueFrom(texts);
    expect(first).toMatchObject({ text: 'partial ' });
    const [sent] = await ctx.gateway.waitForRequests(1);
    await sent.closed;
    expect(sent.abortedByClient).toBe(true);
  });

  it('waits for every tool of a turn before asking the model again', async () => {
    ctx.gateway.route(scriptedTurns([{ toolCalls: [weatherCall, { ...weatherCall, id: 'c9' }] }]));
    const { client } = clientFor(ctx.gateway);
    const events: ToolLoopEvent[] = [];
    let calls = 0;
    const subscription = runTools$(client, question, { get_weather: () => (++calls === 1 ? 'quick' : NEVER) }).subscribe((e) => events.push(e));
    await ctx.gateway.waitForRequests(1);
    await delay(30);
    subscription.unsubscribe();
    expect(brief(events)).toEqual(['1:turn', '1:tool-call:get_weather', '1:tool-result:get_weather', '1:tool-call:get_weather']);
    expect(ctx.gateway.requests).toHaveLength(1);
  });
});
