/**
 * One request made to the fake gateway, as a test sees it: what was asked, and the means to answer it the
 * way the real gateway would (a whole response, chunk by chunk, an error), or with any Observable (marbles).
 * Browser-safe: rxjs and types only.
 */
import { from, Observable, ObservableInput, Subscriber, Subscription, takeWhile } from 'rxjs';
import type { LLMRequest, LLMResponse, StreamChunk } from '../../protocol';

/** Which method made the request: `chat$` or `chatStream$`. */
export type LlmRequestKind = 'chat' | 'stream';

/** Thrown when a test answers a request that can no longer take it (already answered, or cancelled). */
export class TestRequestClosedError extends Error {
  override readonly name = 'TestRequestClosedError';
  constructor(
    readonly action: string,
    readonly state: 'answered' | 'cancelled',
  ) {
    super(`Cannot ${action}: the request was already ${state}`);
  }
}

/** A handle on one pending request of the fake gateway, in the manner of Angular's `TestRequest`. */
export class TestLlmRequest {
  private state: 'open' | 'answering' | 'answered' | 'cancelled' = 'open';
  private source?: Subscription;

  /** @internal Made by the fake gateway when its Observable is subscribed. */
  constructor(
    readonly kind: LlmRequestKind,
    readonly request: LLMRequest,
    private readonly subscriber: Subscriber<LLMResponse> | Subscriber<StreamChunk>,
  ) {
    subscriber.add(() => {
      if (this.state === 'open' || this.state === 'answering') this.state = 'cancelled';
      this.source?.unsubscribe();
    });
  }

  /** True when the caller unsubscribed before the request was answered (a `switchMap` superseded it, say). */
  get cancelled(): boolean {
    return this.state === 'cancelled';
  }

  /** True once answered: flushed, completed, errored, or handed a `respondWith` source. */
  get answered(): boolean {
    return this.state === 'answered' || this.state === 'answering';
  }

  /** The text of the last message, often the simplest thing to assert on. */
  get lastMessage(): string {
    const content = this.request.messages.at(-1)?.content;
    return typeof content === 'string' ? content : '';
  }

  /**
   * Answers and completes. `chat`: emits the response (missing fields take the real defaults: content `''`,
   * the request's model, usage 0/0, no tool calls, latency 0). `stream`: emits it as one final chunk.
   * A string is the content. Throws {@link TestRequestClosedError} if answered or cancelled already.
   */
  flush(response: Partial<LLMResponse> | string = {}): void {
    this.claim('flush');
    const whole = typeof response === 'string' ? { content: response } : response;
    if (this.kind === 'chat') this.chatSubscriber().next(this.toResponse(whole));
    else this.streamSubscriber().next(this.toChunk({ ...whole, isFinal: true }));
    this.finish().complete();
  }

  /** Emits one chunk of a stream request (defaults as {@link flush}, `isFinal` false); a string is the content. */
  emit(chunk: Partial<StreamChunk> | string): void {
    if (this.kind !== 'stream') throw new TypeError('emit() answers stream requests; answer a chat request with flush()');
    this.assertOpen('emit');
    this.streamSubscriber().next(this.toChunk(typeof chunk === 'string' ? { content: chunk } : chunk));
  }

  /** Completes the request: the end of a stream after `emit`s (a chat request completes with no value). */
  complete(): void {
    this.claim('complete');
    this.finish().complete();
  }

  /** Fails the request with `error` (use the library's error classes to mimic the real client). */
  error(error: unknown): void {
    this.claim('error');
    this.finish().error(error);
  }

  /**
   * Answers with a whole Observable: each value is a (partial) response or chunk as in {@link flush} and
   * {@link emit}, and its completion or error ends the request. Made for marbles:
   * `req.respondWith(cold('--a-b|', chunks))`. Cancelling the request unsubscribes the source.
   */
  respondWith(source: ObservableInput<Partial<LLMResponse> | Partial<StreamChunk> | string>): void {
    this.claim('respondWith');
    this.state = 'answering';
    const asFields = (value: Partial<LLMResponse> | Partial<StreamChunk> | string) =>
      typeof value === 'string' ? { content: value } : value;
    // Held before subscribing: a source that emits at once may see the caller leave on that value (take(1),
    // firstValueFrom), and the cancel must reach it; adding to a closed Subscription unsubscribes at once.
    // The caller leaving unsubscribes it (see the constructor); its source's end must not answer then.
    const answering = new Subscription();
    this.source = answering;
    const callerStayed = () => !answering.closed;
    answering.add(
      // takeWhile: a synchronous source (an array, a generator) would otherwise be read to its end, inside
      // this very subscribe, after the caller left.
      from(source).pipe(takeWhile(callerStayed)).subscribe({
        next: (value) => {
          if (this.kind === 'chat') this.chatSubscriber().next(this.toResponse(asFields(value)));
          else this.streamSubscriber().next(this.toChunk(asFields(value)));
        },
        error: (error: unknown) => callerStayed() && this.finish().error(error),
        complete: () => callerStayed() && this.finish().complete(),
      }),
    );
  }

  private claim(action: string): void {
    this.assertOpen(action);
    if (this.state === 'answering') throw new TestRequestClosedError(action, 'answered');
  }

  private assertOpen(action: string): void {
    if (this.state === 'cancelled' || this.state === 'answered') throw new TestRequestClosedError(action, this.state);
  }

  private finish(): Subscriber<unknown> {
    this.state = 'answered';
    return this.subscriber as Subscriber<unknown>;
  }

  private chatSubscriber(): Subscriber<LLMResponse> {
    return this.subscriber as Subscriber<LLMResponse>;
  }

  private streamSubscriber(): Subscriber<StreamChunk> {
    return this.subscriber as Subscriber<StreamChunk>;
  }

  private toResponse(fields: Partial<LLMResponse>): LLMResponse {
    return {
      content: fields.content ?? '',
      model: fields.model ?? this.request.model,
      usage: fields.usage ?? { promptTokens: 0, completionTokens: 0 },
      toolCalls: fields.toolCalls ?? [],
      latencyMs: fields.latencyMs ?? 0,
    };
  }

  private toChunk(fields: Partial<StreamChunk> & Partial<LLMResponse>): StreamChunk {
    const chunk: StreamChunk = {
      content: fields.content ?? '',
      model: fields.model ?? this.request.model,
      toolCalls: fields.toolCalls ?? [],
      isFinal: fields.isFinal ?? false,
    };
    if (fields.usage) chunk.usage = fields.usage;
    return chunk;
  }
}

/** Starts recording a request each time the returned Observable is subscribed. */
export function requestObservable<T extends LLMResponse | StreamChunk>(
  kind: LlmRequestKind,
  request: LLMRequest,
  onRequest: (handle: TestLlmRequest) => void,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    onRequest(new TestLlmRequest(kind, request, subscriber as Subscriber<LLMResponse> | Subscriber<StreamChunk>));
  });
}
