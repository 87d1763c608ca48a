/**
 * The README's code samples (and the marble diagrams beside them) do what the text around them says: each
 * ```ts block is read out of README.md, its imports replaced by the same names given to it, the declarations a
 * reader has (a `messages` array, an `auth` service, `render` / `save`) handed in as spies, and run, against the
 * loopback gateway where it makes requests. (The test gateway's own sample: spec/readme-test-gateway.spec.ts.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as rxjs from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import * as ts from 'typescript';
import * as library from '../lib';
import * as testing from '../lib/testing';
import { scriptedTurns } from './support/scripted-turns';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

/** The one fenced block of `language` that contains `marker`. */
function readmeBlock(marker: string, language = 'ts'): string {
  const blocks = [...readme.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]).filter((code) => code.includes(marker));
  if (blocks.length !== 1) throw new Error(`README.md has ${blocks.length} \`\`\`${language} blocks containing ${marker}`);
  return blocks[0];
}

/**
 * Runs `code` (TypeScript, its import lines dropped) as the body of an async function whose parameters are the
 * names of `scope`, and resolves with the values of `results` at its end.
 */
async function run(code: string, scope: Record<string, unknown>, results: string[] = []): Promise<Record<string, unknown>> {
  const body = ts.transpileModule(code.replace(/^import .*$/gm, ''), { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
  const names = Object.keys(scope);
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<Record<string, unknown>>;
  return new AsyncFunction(...names, `${body}\nreturn { ${results.join(', ')} };`)(...names.map((name) => scope[name]));
}

/** Every name the README's imports bring in, from rxjs and the library's entry points. */
const imports = { ...rxjs, ...library, ...testing };

const started: testing.TestGateway[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((gateway) => gateway.close()));
});
async function gatewayFor(options?: testing.TestGatewayOptions): Promise<testing.TestGateway> {
  const gateway = await testing.startTestGateway(options);
  started.push(gateway);
  return gateway;
}

it('"Use it in Node": the answer streamed to stdout, the chat$ answer logged, one refresh for both 401s', async () => {
  const code = readmeBlock("from 'llm-gateway-rx';\n\nconst token$");
  // The reader's own gateway, whose tokens the reader's `auth` renews; the one in GATEWAY_JWT has expired.
  const secret = 'readme-secret';
  const gateway = await gatewayFor({ auth: { secret }, model: { reply: 'Hi there, reader' } });
  const expired = new testing.DevTokenAuthority({ secret, tokenTtlMs: 1 }).issue();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const auth = { refresh: jest.fn(async () => gateway.issueToken()) };
  let stdout = '';
  const fakeProcess = { env: { GATEWAY_JWT: expired }, stdout: { write: (text: string) => (stdout += text) } };
  const fakeConsole = { log: jest.fn(), error: jest.fn(), warn: jest.fn(), debug: jest.fn() };
  const messages = [{ role: 'user', content: 'Hello!' }];

  expect(code).toContain("serverUrl: 'https://api.example.com'");
  await run(code.replace("'https://api.example.com'", 'serverUrl'), { ...imports, serverUrl: gateway.url, auth, messages, process: fakeProcess, console: fakeConsole });
  // The stream was not awaited: its socket closes once it has ended.
  const streamed = (await gateway.waitForRequests(4)).filter((request) => request.path.endsWith('/stream'));
  await Promise.all(streamed.map((request) => request.closed));
  await new Promise((resolve) => setImmediate(resolve));

  expect(stdout).toBe('Hi there, reader');
  expect(fakeConsole.log).toHaveBeenCalledTimes(1);
  expect(fakeConsole.log).toHaveBeenCalledWith('Hi there, reader', { promptTokens: 1, completionTokens: 3 });
  expect(fakeConsole.error).not.toHaveBeenCalled();
  expect(auth.refresh).toHaveBeenCalledTimes(1);
  // Both requests got a 401 for the expired token, and were re-sent with the one refreshed token.
  const renewed = await (auth.refresh.mock.results[0].value as Promise<string>);
  expect(gateway.requests.map((request) => request.token)).toEqual([expired, expired, renewed, renewed]);
  expect(fakeConsole.debug).toHaveBeenCalledWith('LLM gateway returned 401; refreshing the token');
});

it('accumulate with textSoFar under connect: one request, render gets the text so far, save the whole answer', async () => {
  const code = readmeBlock('connect((chunks)');
  const gateway = await gatewayFor({ model: { reply: 'one two three' } });
  const client = new library.LlmGatewayClient({ serverUrl: gateway.url, token$: new rxjs.BehaviorSubject('t') });
  const request = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
  const render = jest.fn();
  const save = jest.fn();
  const { answer$ } = await run(`const answer$ = ${code.trim().replace(/;$/, '')};`, { ...imports, client, request, render, save }, ['answer$']);
  await rxjs.lastValueFrom(answer$ as rxjs.Observable<unknown>);

  expect(render.mock.calls.map(([text]) => text)).toEqual(['one ', 'one two ', 'one two three']);
  expect(save).toHaveBeenCalledTimes(1);
  expect(save.mock.calls[0][0]).toMatchObject({ content: 'one two three', model: 'm', toolCalls: [], usage: { promptTokens: 1, completionTokens: 3 } });
  expect(gateway.requests).toHaveLength(1);
});

it('runTools$: the tools run on the model\'s calls, their results go back to it, and only the answer is logged', async () => {
  const code = readmeBlock('runTools$(client, request, tools');
  const gateway = await gatewayFor();
  gateway.route(
    scriptedTurns([
      { toolCalls: [{ id: 'w', name: 'get_weather', arguments: { city: 'Oslo' } }, { id: 'f', name: 'to_fahrenheit', arguments: { celsius: 20 } }] },
      { content: 'Oslo: cloudy, 68 °F' },
    ]),
  );
  const client = new library.LlmGatewayClient({ serverUrl: gateway.url, token$: new rxjs.BehaviorSubject('t') });
  const fetch = jest.fn(async (url: string, init: { signal: AbortSignal }) => ({ json: async () => ({ url, sky: 'cloudy', signalled: init.signal instanceof AbortSignal }) }));
  const log = jest.fn();
  const messages = [{ role: 'user', content: 'Weather in Oslo, in °F?' }];
  const functionDefinitions = [{ type: 'function', function: { name: 'get_weather' } }, { type: 'function', function: { name: 'to_fahrenheit' } }];
  await run(code, { ...imports, client, messages, functionDefinitions, fetch, console: { log } });
  await gateway.waitForRequests(2);
  // Until the answer is logged (the subscription was not awaited), however long a loaded machine takes: a fixed
  // wait raced the second answer's trip back through the client.
  while (log.mock.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setImmediate(resolve));

  expect(fetch).toHaveBeenCalledWith('/weather?city=Oslo', expect.objectContaining({ signal: expect.any(AbortSignal) }));
  expect(log.mock.calls).toEqual([['Oslo: cloudy, 68 °F']]);
  const second = gateway.requests[1].body as { messages: Array<{ role: string; content: string; tool_call_id?: string }>; tools: unknown };
  expect(second.tools).toEqual(functionDefinitions);
  expect(second.messages.slice(2)).toEqual([
    { role: 'tool', tool_call_id: 'w', content: JSON.stringify({ url: '/weather?city=Oslo', sky: 'cloudy', signalled: true }) },
    { role: 'tool', tool_call_id: 'f', content: '68 °F' },
  ]);
});

describe('Testing your code', () => {
  it('LlmGatewayTestingController: flush answers the service\'s request, verify passes', async () => {
    const code = readmeBlock('new LlmGatewayTestingController()');
    // Angular's TestBed, as far as the sample uses it: the value provided under LLM_GATEWAY is what the
    // service under test is built with.
    const LLM_GATEWAY = Symbol('LLM_GATEWAY');
    let provided: library.LlmGateway | undefined;
    const TestBed = {
      configureTestingModule: ({ providers }: { providers: Array<{ provide: unknown; useValue: library.LlmGateway }> }) => {
        provided = providers.find((provider) => provider.provide === LLM_GATEWAY)?.useValue;
      },
    };
    const service = {
      title$: (topic: string) => provided!.chat$({ model: 'm', messages: [{ role: 'user', content: `A title about ${topic}` }] }).pipe(rxjs.map((r) => r.content)),
    };
    const { shown, llm } = await run(code, { ...imports, TestBed, LLM_GATEWAY, service, shown: undefined }, ['shown', 'llm']);
    expect(shown).toBe('A title about cats');
    expect((llm as testing.LlmGatewayTestingController).requests[0].answered).toBe(true);
  });

  it('the marble test of a typeahead over the fake gateway passes as written', async () => {
    const code = readmeBlock('testScheduler.run(');
    const testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const llm = new testing.LlmGatewayTestingController();
    await run(code, { ...imports, testScheduler, llm, expect });
    expect(llm.requests).toHaveLength(3);
  });
});

describe('the marble diagrams', () => {
  /** The marbles after `label` in the README's text block holding `marker`. */
  function marbles(marker: string, label: string): string {
    const line = readmeBlock(marker, 'text')
      .split('\n')
      .find((text) => text.startsWith(label));
    return line!.slice(label.length).trim().split(/\s+/)[0];
  }
  const chunk = (content: string, extra: Partial<library.StreamChunk> = {}): library.StreamChunk => ({ content, model: 'm', toolCalls: [], isFinal: false, ...extra });

  it('accumulate(): one response when the stream completes, latencyMs to the last chunk in virtual time', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const usage = { promptTokens: 3, completionTokens: 2 };
    scheduler.run(({ cold, expectObservable }) => {
      const chunks = cold(marbles('accumulate():', 'chunks:'), { a: chunk('Hel'), b: chunk('lo'), c: chunk('', { isFinal: true, usage }) });
      const expected = { content: 'Hello', toolCalls: [], usage, model: 'm', latencyMs: 5 };
      expectObservable(chunks.pipe(library.accumulate({ scheduler }))).toBe(marbles('accumulate():', 'accumulate():'), { r: expected });
    });
  });

  it('textSoFar(): the text after each chunk that adds some', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable }) => {
      const chunks = cold(marbles('textSoFar():', 'chunks:'), { a: chunk('Hel'), b: chunk('lo'), e: chunk(''), c: chunk(' you') });
      expectObservable(chunks.pipe(library.textSoFar())).toBe(marbles('textSoFar():', 'textSoFar():'), { x: 'Hel', y: 'Hello', z: 'Hello you' });
    });
  });

  it('runTools$: the turn and its tool call at once, the result when the tool completes, then the answer', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const text = readmeBlock('tool-result  a: answer', 'text');
    const modelWords = text.split('\n')[0].slice('model:'.length).trim().split(/\s+/);
    const [modelTurn, modelAnswer] = [modelWords[0], modelWords[modelWords.indexOf('then') + 1]];
    const toolLine = text.split('\n')[1];
    // The tool's marbles start in the column of the turn they answer.
    const toolStart = toolLine.search(/-/) - text.split('\n')[0].search(/-/);
    const tool = toolLine.trim().split(/\s+/)[1];
    const lookup = { id: 'l1', name: 'lookup', arguments: { q: 'x' } };
    scheduler.run(({ cold, expectObservable }) => {
      const llm = new testing.LlmGatewayTestingController();
      let n = 0;
      llm.whenRequested({}, (req) =>
        req.respondWith(n++ === 0 ? cold(modelTurn, { r: { toolCalls: [lookup] } }) : cold(modelAnswer, { a: { content: 'done' } })),
      );
      const events$ = library.runTools$(llm.gateway, { model: 'm', messages: [{ role: 'user', content: 'q' }] }, { lookup: () => cold(tool, { v: 'found' }) });
      const letters = { turn: 't', 'tool-call': 'c', 'tool-result': 'r', answer: 'a', text: 'x' } as const;
      expect(toolStart).toBe(modelTurn.indexOf('r'));
      expectObservable(events$.pipe(rxjs.map((event) => letters[event.type]))).toBe(marbles('tool-result  a: answer', 'events:'), { t: 't', c: 'c', r: 'r', a: 'a' });
    });
  });
});
