/**
 * bodyBytes over a Node Readable (what axios' http adapter hands over) where the loopback gateway cannot take
 * it: a body that closes without 'end' and without 'error' (some proxies' way of going away).
 */
import { PassThrough } from 'node:stream';
import { ConnectionError } from '../lib';
import { bodyBytes } from '../lib/body-stream';
import { record } from './support/harness';

const request = { method: 'POST', url: 'http://x/' };
const bytes = (text: string) => new TextEncoder().encode(text);

describe('bodyBytes over a Node Readable', () => {
  it("fails with ConnectionError when the body closes before its end without an 'error' (a truncated answer is never a clean end)", async () => {
    const body = new PassThrough();
    const recording = record(bodyBytes(body, request));
    body.write(bytes('data: {"content": "a"}\n\n'));
    await new Promise((resolve) => setImmediate(resolve));
    body.destroy(); // 'close' only: no 'end', no 'error'
    const result = await recording;
    expect(result.values.map((chunk) => new TextDecoder().decode(chunk))).toEqual(['data: {"content": "a"}\n\n']);
    expect(result.error).toBeInstanceOf(ConnectionError);
    expect((result.error as ConnectionError).message).toBe('Connection lost mid-response: socket closed before the body ended');
  });
});
