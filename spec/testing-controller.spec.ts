/** The fake gateway and its testing controller: imperative answers, marbles, and what verify() catches. */
import { BehaviorSubject, firstValueFrom, map, Observable, of, switchMap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { accumulate, GatewayError, LlmGateway, LlmGatewayClient, LLMResponse, runTools$, textSoFar, ToolLoopEvent } from '../lib';
import {
  LlmExpectationError,
  LlmGatewayTestingController,
  TestLlmRequest,
  TestRequestClosedError,
} from '../lib/testing/controller';

/** A tiny service of the kind users test: it only knows the LlmGateway interface. */
class TitleService {
  constructor(private readonly llm: LlmGateway) {}
  title$(text: string): Observable<string> {
    return this.llm.chat$({ model: 'small', messages: [{ role: 'user', content: `Title for: ${text}` }] }).pipe(map((r) => r.content.trim()));
  }
}

const ask = (content: string, model = 'm') => ({ model, messages: [{ role: 'user', content }] });

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

let llm: LlmGatewayTestingController;
beforeEach(() => {
  llm = new LlmGatewayTestingController();
});

describe('LlmGatewayTestingController, imperatively', () => {
  it('answers a chat request found by expectOne, then verifies', () => {
    const titles: string[] = [];
    new TitleService(llm.gateway).title$('cats').subscribe((t) => titles.push(t));
    const req = llm.expectOne({ kind: 'chat', model: 'small', lastMessage: /cats/ });
    expect(req.request.messages).toEqual([{ role: 'user', content: 'Title for: cats' }]);
    expect(titles).toEqual([]);
    req.flush('  Cats  ');
    expect(titles).toEqual(['Cats']);
    expect(req.answered).toBe(true);
    llm.verify();
  });

  it('fills a flushed response with the real defaults', () => {
    const responses: LLMResponse[] = [];
    llm.gateway.chat$(ask('hi', 'gpt')).subscribe((r) => responses.push(r));
    llm.expectOne().flush({ toolCalls: [{ id: 'c', name: 'f', arguments: {} }] });
    expect(responses).toEqual([
      { content: '', model: 'gpt', usage: { promptTokens: 0, completionTokens: 0 }, toolCalls: [{ id: 'c', name: 'f', arguments: {} }], latencyMs: 0 },
    ]);
  });

  it('streams emitted chunks, and flush ends a stream with one final chunk', () => {
    const texts: string[] = [];
    const folded: LLMResponse[] = [];
    llm.gateway.chatStream$(ask('a')).pipe(textSoFar()).subscribe((t) => texts.push(t));
    llm.gateway.chatStream$(ask('b')).pipe(accumulate()).subscribe((r) => folded.push(r));
    const a = llm.expectOne({ kind: 'stream', lastMessage: 'a' });
    a.emit('Hel');
    a.emit({ content: 'lo', model: 'other' });
    a.complete();
    llm.expectOne({ lastMessage: 'b' }).flush({ content: 'whole', usage: { promptTokens: 1, completionTokens: 2 } });
    expect(texts).toEqual(['Hel', 'Hello']);
    expect(folded).toMatchObject([{ content: 'whole', model: 'm', usage: { promptTokens: 1, completionTokens: 2 } }]);
    llm.verify();
  });

  it('fails a request with the error given', () => {
    let failure: unknown;
    llm.gateway.chat$(ask('x')).subscribe({ error: (e: unknown) => (failure = e) });
    const error = new GatewayError('upstream down', { status: 502 });
    llm.expectOne().error(error);
    expect(failure).toBe(error);
    llm.verify();
  });

  it('records a request per subscription, and nothing before subscribe', () => {
    const chat$ = llm.gateway.chat$(ask('x'));
    llm.expectNone();
    chat$.subscribe();
    chat$.subscribe();
    expect(llm.match({ lastMessage: 'x' })).toHaveLength(2);
    expect(llm.requests).toHaveLength(2);
  });

  it('expectOne says what it wanted and what was open when it finds none or several', () => {
    llm.gateway.chat$(ask('one')).subscribe();
    llm.gateway.chatStream$(ask('two')).subscribe();
    expect(() => llm.expectOne({ model: 'absent' })).toThrow(
      'Expected one LLM request matching { model: "absent" }, found 0. Open requests: chat m "one"; stream m "two"',
    );
    expect(() => llm.expectOne({ lastMessage: /o/ })).toThrow(LlmExpectationError);
    expect(() => llm.expectNone({ kind: 'stream' })).toThrow('Expected no LLM request matching { kind: "stream" }, found stream m "two"');
    // A failed expectOne takes nothing out of the open set.
    expect(llm.expectOne((request, kind) => kind === 'chat' && request.messages.length === 1).lastMessage).toBe('one');
    expect(llm.expectOne().kind).toBe('stream');
  });

  it('verify fails on a request never matched, and on one matched but never answered', () => {
    llm.gateway.chat$(ask('surprise')).subscribe();
    expect(() => llm.verify()).toThrow('LLM requests left over: unexpected (never matched): chat m "surprise"');
    llm.expectOne();
    expect(() => llm.verify()).toThrow('LLM requests left over: unanswered: chat m "surprise"');
  });

  it('marks a request its caller unsubscribed from as cancelled; verify ignores those unless asked not to', () => {
    const subscription = llm.gateway.chat$(ask('gone')).subscribe();
    subscription.unsubscribe();
    llm.verify();
    expect(() => llm.verify({ ignoreCancelled: false })).toThrow('unexpected (never matched): chat m "gone" (cancelled)');
    const req = llm.expectOne();
    expect(req.cancelled).toBe(true);
    expect(() => req.flush('late')).toThrow(new TestRequestClosedError('flush', 'cancelled'));
  });

  it('matches a /g RegExp by the message alone: its lastIndex from one request never skips the next', () => {
    llm.gateway.chat$(ask('about cats')).subscribe();
    llm.gateway.chat$(ask('more cats')).subscribe();
    const cats = /cats/g;
    const matched = llm.match({ lastMessage: cats });
    expect(matched.map((req) => req.lastMessage)).toEqual(['about cats', 'more cats']);
    matched.forEach((req) => req.flush('meow'));
    llm.gateway.chat$(ask('cats again')).subscribe();
    llm.expectOne({ lastMessage: cats }).flush('purr');
    llm.verify();
  });

  it('respondWith: a source that emits at once is unsubscribed when the caller leaves on that value', async () => {
    const state = new BehaviorSubject<string>('first');
    llm.whenRequested({}, (req) => req.respondWith(state));
    expect((await firstValueFrom(llm.gateway.chatStream$(ask('x')))).content).toBe('first');
    const [req] = llm.requests;
    expect(req.cancelled).toBe(true);
    expect(state.observed).toBe(false);
    state.complete();
    expect(req.cancelled).toBe(true); // not turned into 'answered' by the source it left
    const other = new LlmGatewayTestingController(); // (the first one's responder answers every request)
    other.whenRequested({}, (r) => r.respondWith(of('a', 'b')));
    await firstValueFrom(other.gateway.chatStream$(ask('y')));
    expect(other.requests[0].cancelled).toBe(true);
    let pulled = 0;
    function* endless() {
      for (;;) yield `c${pulled++}`;
    }
    const third = new LlmGatewayTestingController();
    third.whenRequested({}, (r) => r.respondWith(endless()));
    expect((await firstValueFrom(third.gateway.chatStream$(ask('z')))).content).toBe('c0');
    expect(pulled).toBeLessThanOrEqual(2); // stopped, not read forever
  });

  it('refuses to answer twice, and refuses emit on a chat request', () => {
    llm.gateway.chat$(ask('x')).subscribe();
    const req = llm.expectOne();
    expect(() => req.emit('chunk')).toThrow(TypeError);
    req.flush('once');
    expect(() => req.flush('twice')).toThrow('Cannot flush: the request was already answered');
    expect(() => req.error(new Error('x'))).toThrow(TestRequestClosedError);
  });

  it('drives an app’s "reconnecting" banner through the fake’s status$', () => {
    // App code that only knows LlmGateway: status$ is optional there, so it reads it with ?.
    const banner = (gateway: LlmGateway) => gateway.status$?.pipe(map((s) => `reconnecting in ${s.delayMs / 1000} s (${s.reason})`));
    const shown: string[] = [];
    banner(llm.gateway)?.subscribe((text) => shown.push(text));
    llm.gateway.status$.next({ type: 'retrying', attempt: 1, delayMs: 2000, reason: 'status 503' });
    expect(shown).toEqual(['reconnecting in 2 s (status 503)']);
    const client: LlmGateway = new LlmGatewayClient({ serverUrl: 'http://127.0.0.1:1', token$: new BehaviorSubject('t') });
    expect(client.status$).toBeDefined();
  });
});

describe('LlmGatewayTestingController with marbles', () => {
  it('answers requests as they appear: a typeahead whose switchMap cancels superseded requests', () => {
    scheduler().run(({ cold, expectObservable }) => {
      llm.whenRequested({ kind: 'chat' }, (req) => req.respondWith(cold('---r|', { r: req.lastMessage.toUpperCase() })));
      const keys = cold('a-b-----c---|', { a: 'r', b: 'rx', c: 'rxjs' });
      const answers = keys.pipe(
        switchMap((text) => llm.gateway.chat$(ask(text))),
        map((r) => r.content),
      );
      expectObservable(answers).toBe('-----x-----y|', { x: 'RX', y: 'RXJS' });
    });
    expect(llm.requests.map((r) => [r.lastMessage, r.cancelled])).toEqual([
      ['r', true],
      ['rx', false],
      ['rxjs', false],
    ]);
    llm.verify();
  });

  it('streams a marble source chunk by chunk and cancels it with the request', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const chunks = cold('-a-b-c|', { a: 'He', b: 'll', c: 'o' });
      llm.whenRequested({}, (req: TestLlmRequest) => req.respondWith(chunks));
      expectObservable(llm.gateway.chatStream$(ask('x')).pipe(textSoFar())).toBe('-x-y-z|', { x: 'He', y: 'Hell', z: 'Hello' });
      expectObservable(llm.gateway.chatStream$(ask('y')).pipe(textSoFar()), '^--!').toBe('-x-', { x: 'He' });
      expectSubscriptions(chunks.subscriptions).toBe(['^-----!', '^--!']);
    });
  });

  it('drives runTools$ in virtual time: model turns and a slow tool as marbles', () => {
    scheduler().run(({ cold, expectObservable }) => {
      let turn = 0;
      llm.whenRequested({}, (req) =>
        req.respondWith(
          cold('--r|', {
            r: turn++ === 0 ? { toolCalls: [{ id: 'c1', name: 'lookup', arguments: { q: 'x' } }] } : { content: `Found: ${String(req.request.messages.at(-1)?.content)}` },
          }),
        ),
      );
      const events = runTools$(llm.gateway, ask('find x'), { lookup: ({ q }) => cold('---v|', { v: `value of ${String(q)}` }) }).pipe(
        map((e: ToolLoopEvent) => (e.type === 'answer' ? `answer ${e.response.content}` : e.type)),
      );
      // The model's turn at 2; the tool's value counts when it completes (6); the next turn answers at 8 and its
      // request completes at 9. A group "(tc)" takes four frames of the diagram.
      expectObservable(events).toBe('--(tc)r-a|', { t: 'turn', c: 'tool-call', r: 'tool-result', a: 'answer Found: value of x' });
    });
    llm.verify();
  });

  it('forwards a respondWith source\'s error', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const error = new GatewayError('upstream down', { status: 502 });
      llm.whenRequested({}, (req) => req.respondWith(cold('--#', undefined, error)));
      expectObservable(llm.gateway.chat$(ask('x'))).toBe('--#', undefined, error);
    });
    llm.verify();
  });

  it('lets runTools$ name the request\'s model when a streamed turn sends no chunk at all', () => {
    const events: ToolLoopEvent[] = [];
    runTools$(llm.gateway, ask('x', 'requested-model'), {}, { stream: true }).subscribe((e) => events.push(e));
    llm.expectOne({ kind: 'stream' }).complete();
    expect(events).toMatchObject([{ type: 'answer', response: { content: '', model: 'requested-model' } }]);
  });

  it('verify catches a request handed to whenRequested but never answered', () => {
    llm.whenRequested({}, () => undefined);
    llm.gateway.chat$(ask('ignored')).subscribe();
    expect(() => llm.verify()).toThrow('unanswered: chat m "ignored"');
  });
});
