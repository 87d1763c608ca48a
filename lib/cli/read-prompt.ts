/**
 * The prompt of `chat -`, read from stdin: bounded, because a pipe can carry more than any gateway accepts and
 * more than node can turn into one string (~512 MiB, past which it throws from inside the stream's 'end').
 */
import { UsageError } from './exit-codes';

/** The most `chat -` reads from stdin: the dev gateway's own request bound, which a bigger prompt would pass. */
export const MAX_PROMPT_BYTES = 32 * 1024 * 1024;

/**
 * The whole of `input` as UTF-8 text. Rejects with {@link UsageError} once it passes `maxBytes`, and with
 * `signal.reason` when `signal` aborts; either way it stops reading, so stdin holds nothing open.
 */
export function readPrompt(input: NodeJS.ReadableStream, signal: AbortSignal, maxBytes = MAX_PROMPT_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (then: () => void) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      signal.removeEventListener('abort', onAbort);
      then();
    };
    const stop = (error: unknown) =>
      settle(() => {
        input.pause();
        chunks.length = 0;
        reject(error);
      });
    const onData = (chunk: Buffer | string) => {
      const bytes = Buffer.from(chunk);
      size += bytes.length;
      if (size <= maxBytes) chunks.push(bytes);
      else stop(new UsageError(`the prompt on stdin is over ${maxBytes / (1024 * 1024)} MiB`));
    };
    const onEnd = () => settle(() => resolve(Buffer.concat(chunks).toString('utf8')));
    const onError = (error: unknown) => settle(() => reject(error));
    const onAbort = () => stop(signal.reason);
    if (signal.aborted) return onAbort();
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
