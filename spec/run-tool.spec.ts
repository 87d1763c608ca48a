/** What one tool is handed and how its failure reads (lib/run-tool.ts), through runTools$ and the testing controller. */
import { Observable, of } from 'rxjs';
import { ChatMessage, runTools$, ToolLoopEvent, Tools } from '../lib';
import { LlmGatewayTestingController } from '../lib/testing/controller';

const question = { model: 'agent', messages: [{ role: 'user', content: 'Weather in Paris?' }] };
const weatherCall = { id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } };
const results = (events: ToolLoopEvent[]) => events.filter((e): e is Extract<ToolLoopEvent, { type: 'tool-result' }> => e.type === 'tool-result');

describe('a tool run by runTools$', () => {
  it('runs tools where there is no structuredClone (Jest + jsdom, which the testing controller is meant for)', () => {
    // jsdom has no structuredClone (jsdom/jsdom#3363) and jest-environment-jsdom does not add one; nor do
    // Safari < 15.4 and Chrome < 98. Take it away as those environments do.
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'structuredClone');
    delete (globalThis as { structuredClone?: unknown }).structuredClone;
    try {
      const llm = new LlmGatewayTestingController();
      const events: ToolLoopEvent[] = [];
      const tools: Tools = { get_weather: ({ city }) => `sunny in ${String(city)}` };
      runTools$(llm.gateway, question, tools).subscribe((event) => events.push(event));
      llm.expectOne().flush({ toolCalls: [weatherCall] });
      const next = llm.expectOne();
      expect(results(events)).toEqual([{ type: 'tool-result', step: 1, call: weatherCall, content: 'sunny in Paris' }]);
      expect(next.request.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'c1', content: 'sunny in Paris' });
    } finally {
      if (saved) Object.defineProperty(globalThis, 'structuredClone', saved);
    }
  });

  it('a tool that edits the call it is handed in its context does not rewrite what the model asked for either', () => {
    const llm = new LlmGatewayTestingController();
    const events: ToolLoopEvent[] = [];
    const tools: Tools = {
      get_weather: (_args, { call }) => {
        call.arguments.units ??= 'metric'; // a default filled in where the tool reads its call
        delete call.arguments.city;
        return 'sunny';
      },
    };
    runTools$(llm.gateway, question, tools).subscribe((event) => events.push(event));
    llm.expectOne().flush({ toolCalls: [{ ...weatherCall, arguments: { city: 'Paris' } }] });
    const next = llm.expectOne();
    expect(events[0]).toMatchObject({ type: 'turn', response: { toolCalls: [{ arguments: { city: 'Paris' } }] } });
    expect(events[1]).toMatchObject({ type: 'tool-call', call: { arguments: { city: 'Paris' } } });
    const assistant = next.request.messages[1] as ChatMessage & { tool_calls: Array<{ function: { arguments: string } }> };
    expect(assistant.tool_calls[0].function.arguments).toBe('{"city":"Paris"}');
  });

  it('a tool that fails without a reason (Promise.reject(), error()) still has `error` set on its result', async () => {
    const llm = new LlmGatewayTestingController();
    const events: ToolLoopEvent[] = [];
    const tools: Tools = {
      rejects: () => Promise.reject(),
      errors: () => new Observable((subscriber) => subscriber.error()),
      fine: () => 'ok',
    };
    runTools$(llm.gateway, question, tools).subscribe((event) => events.push(event));
    llm.expectOne().flush({ toolCalls: ['rejects', 'errors', 'fine'].map((name) => ({ id: name, name, arguments: {} })) });
    await Promise.resolve(); // the rejection settles
    await new Promise((resolve) => setTimeout(resolve, 0));
    const byId = Object.fromEntries(results(events).map((r) => [r.call.id, r]));
    // "a tool finished, or failed (`error` set)": the obvious test for failure must tell these apart.
    expect(byId.rejects.error).toBeDefined();
    expect(byId.errors.error).toBeDefined();
    expect(byId.fine.error).toBeUndefined();
    expect(byId.rejects.content).toBe('Error: undefined');
    expect(llm.expectOne().request.messages.slice(2).map((m) => m.content)).toEqual(['Error: undefined', 'Error: undefined', 'ok']);
  });

  it('hands each tool the step of the turn that asked for it, and the whole call (id and name) in its context', () => {
    const llm = new LlmGatewayTestingController();
    const seen: Array<{ step: number; id: string; name: string; arguments: Record<string, unknown> }> = [];
    const tools: Tools = {
      get_weather: (_args, { step, call }) => {
        seen.push({ step, id: call.id, name: call.name, arguments: call.arguments });
        return 'sunny';
      },
    };
    runTools$(llm.gateway, question, tools).subscribe();
    llm.expectOne().flush({ toolCalls: [weatherCall] });
    llm.expectOne().flush({ toolCalls: [{ ...weatherCall, id: 'c2', arguments: { city: 'Lyon' } }] });
    llm.expectOne().flush({ content: 'done' });
    expect(seen).toEqual([
      { step: 1, id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } },
      { step: 2, id: 'c2', name: 'get_weather', arguments: { city: 'Lyon' } },
    ]);
  });

  it('an Observable tool: its last value is the result, told once', () => {
    const llm = new LlmGatewayTestingController();
    const events: ToolLoopEvent[] = [];
    const tools: Tools = { get_weather: () => of('looking…', 'still looking…', 'sunny') };
    runTools$(llm.gateway, question, tools).subscribe((event) => events.push(event));
    llm.expectOne().flush({ toolCalls: [weatherCall] });
    const next = llm.expectOne();
    expect(results(events)).toEqual([{ type: 'tool-result', step: 1, call: weatherCall, content: 'sunny' }]);
    expect(next.request.messages.slice(2)).toEqual([{ role: 'tool', tool_call_id: 'c1', content: 'sunny' }]);
  });

  it('copies plain objects and arrays of the arguments only: null stays null, any other object is handed over as is', () => {
    const llm = new LlmGatewayTestingController();
    const when = new Date(0);
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { unit: 'C' });
    let received: Record<string, unknown> | undefined;
    const tools: Tools = {
      get_weather: (args) => {
        received = args;
        (args.bare as Record<string, unknown>).unit = 'F'; // a null-prototype object is data: copied too
        return 'sunny';
      },
    };
    const events: ToolLoopEvent[] = [];
    runTools$(llm.gateway, question, tools).subscribe((event) => events.push(event));
    llm.expectOne().flush({ toolCalls: [{ ...weatherCall, arguments: { city: null, when, bare } }] });
    // an argument that cannot be copied would have failed the tool (`error` set) instead of running it
    expect(results(events)).toEqual([expect.objectContaining({ content: 'sunny' })]);
    expect(results(events)[0]).not.toHaveProperty('error');
    expect(received?.city).toBeNull();
    expect(received?.when).toBe(when);
    expect(bare.unit).toBe('C');
  });
});
