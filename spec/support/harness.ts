/** Shared test plumbing: a loopback gateway per test, a client bound to it, and an Observable recorder. */
import { BehaviorSubject, Observable, Subscription } from 'rxjs';
import { LlmGatewayClient, LlmGatewayClientOptions, LLMRequest, StreamChunk } from '../../lib';
import { RecordedRequest, startTestGateway, TestGateway, TestGatewayOptions } from '../../lib/testing';

/** What an Observable did: its values, and how it ended (if it has). */
export interface Recording<T> {
  values: T[];
  error?: unknown;
  completed: boolean;
}

/** Subscribes and resolves when the Observable errors or completes. */
export function record<T>(source: Observable<T>): Promise<Recording<T>> {
  return new Promise((resolve) => {
    const recording: Recording<T> = { values: [], completed: false };
    source.subscribe({
      next: (value) => recording.values.push(value),
      error: (error: unknown) => resolve({ ...recording, error }),
      complete: () => resolve({ ...recording, completed: true }),
    });
  });
}

/** Resolves with the error the Observable fails with; rejects if it completes instead. */
export async function errorOf(source: Observable<unknown>): Promise<any> {
  const recording = await record(source);
  if (recording.error === undefined) throw new Error(`expected an error, got ${recording.values.length} values and completion`);
  return recording.error;
}

/** Starts a gateway before each test and closes it after; `ctx.gateway` is the current one. */
export function useGateway(options: TestGatewayOptions = {}): { gateway: TestGateway } {
  const ctx = {} as { gateway: TestGateway };
  beforeEach(async () => {
    ctx.gateway = await startTestGateway(options);
  });
  afterEach(async () => {
    await ctx.gateway.close();
  });
  return ctx;
}

/** A client for `gateway` with a token$ holding `token`. */
export function clientFor(
  gateway: TestGateway,
  options: Partial<LlmGatewayClientOptions> = {},
  token = 'token-0',
): { client: LlmGatewayClient; token$: BehaviorSubject<string> } {
  const token$ = options.token$ ?? new BehaviorSubject(token);
  return { client: new LlmGatewayClient({ serverUrl: gateway.url, ...options, token$ }), token$ };
}

/** A promise that resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const hello = { model: 'test-model', messages: [{ role: 'user', content: 'hello' }] };

/**
 * Routes `gateway` to answer a stream with one event and then nothing (a stalled upstream: the request stays
 * in flight), starts `client.chatStream$`, and resolves once that event's chunk has arrived, with the
 * subscription that holds the stream open.
 */
export async function streamStalledAfterOneChunk(
  gateway: TestGateway,
  client: { chatStream$(request: LLMRequest): Observable<StreamChunk> },
): Promise<Subscription> {
  gateway.route(async (_req, reply) => {
    reply.head(200, { 'content-type': 'text/event-stream' });
    await reply.write('data: {"content": "only"}\n\n');
  });
  const seen: StreamChunk[] = [];
  const subscription = client.chatStream$(hello).subscribe((chunk) => seen.push(chunk));
  while (seen.length < 1) await delay(10);
  return subscription;
}

/** Unsubscribes and resolves with the gateway's one request once its connection closed (or after 3 s). */
export async function unsubscribeAndAwaitClose(gateway: TestGateway, subscription: Subscription): Promise<RecordedRequest> {
  subscription.unsubscribe();
  const [sent] = gateway.requests;
  await Promise.race([sent.closed, delay(3000)]);
  return sent;
}
