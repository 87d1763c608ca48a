/**
 * `LlmGatewayTestingController`: unit tests of code that uses an {@link LlmGateway}, with no HTTP at all, in
 * the manner of Angular's `HttpTestingController`. Its `gateway` is the fake to inject; each subscription to
 * the fake's `chat$`/`chatStream$` becomes a {@link TestLlmRequest} the test finds and answers.
 * Browser-safe (rxjs and types only), so it runs in Karma or Jest + jsdom as well as in Node.
 */
import { Subject } from 'rxjs';
import type { ClientStatus } from '../../client-status';
import type { LlmGateway } from '../../gateway';
import type { LLMRequest, LLMResponse, StreamChunk } from '../../protocol';
import { LlmRequestKind, requestObservable, TestLlmRequest } from './test-llm-request';

/**
 * Which requests to pick: a predicate, or fields that must all hold (`lastMessage` is the last message's
 * text, equal to a string or matching a RegExp). No criteria: any request.
 */
export type LlmRequestMatch =
  | ((request: LLMRequest, kind: LlmRequestKind) => boolean)
  | { kind?: LlmRequestKind; model?: string; lastMessage?: string | RegExp };

/** Options of {@link LlmGatewayTestingController.verify}. */
export interface VerifyOptions {
  /** Do not complain about requests their caller already unsubscribed from. Default true. */
  ignoreCancelled?: boolean;
}

/** An expectation of the testing controller failed; `requests` are the ones that made it fail. */
export class LlmExpectationError extends Error {
  override readonly name = 'LlmExpectationError';
  constructor(
    message: string,
    readonly requests: TestLlmRequest[],
  ) {
    super(message);
  }
}

/** The fake {@link LlmGateway} of a testing controller: records every request, answers none by itself. */
export class FakeLlmGateway implements LlmGateway {
  /**
   * What the app's "reconnecting" banner reads: nothing happens on it unless the test pushes a status,
   * e.g. `llm.gateway.status$.next({ type: 'retrying', attempt: 1, delayMs: 2000, reason: 'status 503' })`.
   */
  readonly status$ = new Subject<ClientStatus>();

  /** @internal Made by the controller, which receives each request. */
  constructor(private readonly onRequest: (handle: TestLlmRequest) => void) {}

  /** Cold, like the client's: a request is recorded on each subscribe, and waits for the test's answer. */
  chat$(request: LLMRequest) {
    return requestObservable<LLMResponse>('chat', request, this.onRequest);
  }

  /** Cold, like the client's: a request is recorded on each subscribe; the test emits its chunks. */
  chatStream$(request: LLMRequest) {
    return requestObservable<StreamChunk>('stream', request, this.onRequest);
  }
}

/**
 * Finds and answers the requests made to {@link gateway}. `expectOne`/`match` take requests out of the open
 * set (as Angular's controller does); `verify()` fails on requests never matched (unexpected) and on matched
 * ones never answered.
 *
 * @example
 * const llm = new LlmGatewayTestingController();
 * const service = new ChatService(llm.gateway);        // or TestBed: { provide: LLM_GATEWAY, useValue: llm.gateway }
 * service.title$('hi').subscribe((title) => (shown = title));
 * llm.expectOne({ kind: 'chat', lastMessage: /hi/ }).flush('A title');
 * expect(shown).toBe('A title');
 * llm.verify();
 */
export class LlmGatewayTestingController {
  /** The fake to give the code under test. */
  readonly gateway: FakeLlmGateway = new FakeLlmGateway((handle) => this.receive(handle));
  /** Every request made so far, in order, answered, matched or not. */
  readonly requests: TestLlmRequest[] = [];
  private readonly open: TestLlmRequest[] = [];
  private readonly responders: Array<{ match: LlmRequestMatch; answer: (request: TestLlmRequest) => void }> = [];

  /**
   * The one open request that matches; takes it out of the open set. Throws {@link LlmExpectationError} when
   * none or several match, listing the open requests.
   */
  expectOne(match: LlmRequestMatch = {}): TestLlmRequest {
    const found = this.open.filter((handle) => matches(match, handle));
    if (found.length !== 1) {
      throw new LlmExpectationError(
        `Expected one LLM request matching ${describe(match)}, found ${found.length}. Open requests: ${list(this.open)}`,
        found,
      );
    }
    this.open.splice(this.open.indexOf(found[0]), 1);
    return found[0];
  }

  /** Every open request that matches (maybe none); takes them out of the open set. */
  match(match: LlmRequestMatch = {}): TestLlmRequest[] {
    const found = this.open.filter((handle) => matches(match, handle));
    for (const handle of found) this.open.splice(this.open.indexOf(handle), 1);
    return found;
  }

  /** Throws {@link LlmExpectationError} if an open request matches. */
  expectNone(match: LlmRequestMatch = {}): void {
    const found = this.open.filter((handle) => matches(match, handle));
    if (found.length > 0) throw new LlmExpectationError(`Expected no LLM request matching ${describe(match)}, found ${list(found)}`, found);
  }

  /**
   * From now on, hands each new matching request to `answer` the moment it is made, instead of leaving it
   * open: the way to answer requests that appear during a marble test, e.g.
   * `llm.whenRequested({}, (req) => req.respondWith(cold('--r|', { r: 'hello' })))`. First registered wins.
   */
  whenRequested(match: LlmRequestMatch, answer: (request: TestLlmRequest) => void): void {
    this.responders.push({ match, answer });
  }

  /**
   * Throws {@link LlmExpectationError} when a request was never matched (unless cancelled and
   * `ignoreCancelled`), or was matched but never answered and is still subscribed.
   */
  verify(options: VerifyOptions = {}): void {
    const ignoreCancelled = options.ignoreCancelled ?? true;
    const unexpected = this.open.filter((handle) => !(ignoreCancelled && handle.cancelled));
    const unanswered = this.requests.filter((handle) => !this.open.includes(handle) && !handle.answered && !handle.cancelled);
    const problems: string[] = [];
    if (unexpected.length > 0) problems.push(`unexpected (never matched): ${list(unexpected)}`);
    if (unanswered.length > 0) problems.push(`unanswered: ${list(unanswered)}`);
    if (problems.length > 0) throw new LlmExpectationError(`LLM requests left over: ${problems.join('; ')}`, [...unexpected, ...unanswered]);
  }

  private receive(handle: TestLlmRequest): void {
    this.requests.push(handle);
    const responder = this.responders.find(({ match }) => matches(match, handle));
    if (responder) responder.answer(handle);
    else this.open.push(handle);
  }
}

function matches(match: LlmRequestMatch, handle: TestLlmRequest): boolean {
  if (typeof match === 'function') return match(handle.request, handle.kind);
  if (match.kind !== undefined && match.kind !== handle.kind) return false;
  if (match.model !== undefined && match.model !== handle.request.model) return false;
  const { lastMessage } = match;
  if (lastMessage === undefined) return true;
  // search(), not test(): test() on a /g or /y RegExp starts where its last match ended, so one request's match
  // would change the next one's.
  return typeof lastMessage === 'string' ? handle.lastMessage === lastMessage : handle.lastMessage.search(lastMessage) !== -1;
}

function describe(match: LlmRequestMatch): string {
  if (typeof match === 'function') return match.name ? `predicate ${match.name}` : 'a predicate';
  const parts = Object.entries(match).map(([key, value]) => `${key}: ${value instanceof RegExp ? String(value) : JSON.stringify(value)}`);
  return parts.length > 0 ? `{ ${parts.join(', ')} }` : '(any)';
}

function list(handles: TestLlmRequest[]): string {
  if (handles.length === 0) return '(none)';
  return handles
    .map((h) => `${h.kind} ${h.request.model} ${JSON.stringify(h.lastMessage.slice(0, 60))}${h.cancelled ? ' (cancelled)' : ''}`)
    .join('; ');
}
