/**
 * `accumulate()`: folds a streamed answer back into the one-value shape of `chat$`, so code written against an
 * {@link LLMResponse} works unchanged on `chatStream$` (and a UI can both render chunks and keep the result).
 */
import { Observable, OperatorFunction, SchedulerLike } from 'rxjs';
import type { LLMResponse, StreamChunk, ToolCall } from './protocol';

/** Options of {@link accumulate}. */
export interface AccumulateOptions {
  /**
   * Clock for `latencyMs` (its `now()` in milliseconds). Default: `performance.now()`, monotonic and sub-ms.
   * Pass the `TestScheduler` (or `asyncScheduler` inside `run`) to measure in virtual time.
   */
  scheduler?: Pick<SchedulerLike, 'now'>;
}

const monotonicClock = { now: () => performance.now() };

/**
 * Folds a {@link StreamChunk} stream into one {@link LLMResponse}, emitted when the source completes:
 * `content` is every chunk's content joined; `toolCalls` are collected in order of first appearance, a call
 * whose `id` was already seen replacing the earlier one in place (calls without an id are all kept);
 * `usage` is the last one seen (0/0 if none); `model` the last chunk's (`''` for an empty stream);
 * `latencyMs` runs from subscribe to the last chunk (0 for an empty stream). Errors pass through unchanged and
 * nothing is emitted; unsubscribing unsubscribes the source (and so aborts the request).
 *
 * @example
 * // -a-b-c|   chunks 'Hel', 'lo', '' (final, with usage)
 * // ------(r|) r = { content: 'Hello', usage, toolCalls: [], model, latencyMs: 5 }
 * client.chatStream$(request).pipe(accumulate()).subscribe((response) => save(response));
 */
export function accumulate(options: AccumulateOptions = {}): OperatorFunction<StreamChunk, LLMResponse> {
  const clock = options.scheduler ?? monotonicClock;
  return (source) =>
    new Observable<LLMResponse>((subscriber) => {
      const startedAt = clock.now();
      let lastChunkAt = startedAt;
      let content = '';
      let model = '';
      let usage = { promptTokens: 0, completionTokens: 0 };
      const calls = new ToolCallCollector();
      return source.subscribe({
        next: (chunk) => {
          lastChunkAt = clock.now();
          content += chunk.content;
          model = chunk.model;
          if (chunk.usage) usage = chunk.usage;
          calls.add(chunk.toolCalls);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          subscriber.next({ content, model, usage, toolCalls: calls.list(), latencyMs: lastChunkAt - startedAt });
          subscriber.complete();
        },
      });
    });
}

/** Tool calls in order of first appearance, de-duplicated by id (a repeat carries the newer arguments). */
class ToolCallCollector {
  private readonly calls: ToolCall[] = [];
  private readonly indexById = new Map<string, number>();

  add(calls: ToolCall[]): void {
    for (const call of calls) {
      // An empty id cannot name a call, so it cannot be a repeat either: keep every such call.
      const index = call.id === '' ? undefined : this.indexById.get(call.id);
      if (index !== undefined) {
        this.calls[index] = call;
        continue;
      }
      if (call.id !== '') this.indexById.set(call.id, this.calls.length);
      this.calls.push(call);
    }
  }

  list(): ToolCall[] {
    return this.calls.slice();
  }
}
