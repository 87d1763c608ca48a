/** The prompt of `chat -` (lib/cli/read-prompt.ts): read whole up to its bound, and stdin left paused once it stops. */
import { PassThrough } from 'node:stream';
import { readPrompt } from '../lib/cli/read-prompt';
import { UsageError } from '../lib/cli/exit-codes';

const MiB = 1024 * 1024;

describe('readPrompt', () => {
  it('takes a prompt of exactly maxBytes, in pieces', async () => {
    const input = new PassThrough();
    const prompt = readPrompt(input, new AbortController().signal, 2 * MiB);
    input.write(Buffer.alloc(MiB, 'a'));
    input.end(Buffer.alloc(MiB, 'b'));
    const text = await prompt;
    expect(text.length).toBe(2 * MiB);
    expect(text.endsWith('b')).toBe(true);
  });

  it('one byte more is a UsageError, and it stops reading: the input is left paused', async () => {
    const input = new PassThrough();
    const prompt = readPrompt(input, new AbortController().signal, 2 * MiB);
    input.write(Buffer.alloc(MiB, 'a'));
    input.write(Buffer.alloc(MiB + 1, 'b'));
    await expect(prompt).rejects.toEqual(new UsageError('the prompt on stdin is over 2 MiB'));
    expect(input.isPaused()).toBe(true);
    input.destroy();
  });

  it('an abort while reading rejects with its reason and leaves the input paused', async () => {
    const input = new PassThrough();
    const interrupt = new AbortController();
    const prompt = readPrompt(input, interrupt.signal);
    input.write('half a que');
    interrupt.abort(new Error('interrupted'));
    await expect(prompt).rejects.toThrow('interrupted');
    expect(input.isPaused()).toBe(true);
    input.destroy();
  });

  it('an input that fails rejects with its error', async () => {
    const input = new PassThrough();
    const prompt = readPrompt(input, new AbortController().signal);
    input.destroy(new Error('EIO: stdin went away'));
    await expect(prompt).rejects.toThrow('EIO: stdin went away');
  });
});
