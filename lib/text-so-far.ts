/**
 * `textSoFar()`: what a UI renders while an answer streams in, the whole text so far rather than the deltas.
 */
import { filter, OperatorFunction, pipe, scan } from 'rxjs';
import type { StreamChunk } from './protocol';

/**
 * Emits the cumulative text after each chunk that adds some; chunks with empty `content` (tool calls, the
 * final usage chunk) emit nothing, so every value differs from the previous one. Completes and errors with the
 * source; emits nothing for a stream without text.
 *
 * @example
 * // chunks:  -a-b-c-d|   'Hel', 'lo', '' (tool call), ' you'
 * // output:  -x-y---z|   'Hel', 'Hello', 'Hello you'
 * client.chatStream$(request).pipe(textSoFar()).subscribe((text) => (view.text = text));
 */
export function textSoFar(): OperatorFunction<StreamChunk, string> {
  return pipe(
    filter((chunk: StreamChunk) => chunk.content !== ''),
    scan((text, chunk) => text + chunk.content, ''),
  );
}
