/**
 * The ReadableStream body (the browser's, via axios' fetch adapter) where fetch-adapter.spec.ts does not go:
 * splits inside characters, a body that breaks off, a 200 that is not an event stream, and bodyBytes itself.
 */
import axios from 'axios';
import { take } from 'rxjs';
import { ConnectionError, StreamError } from '../lib';
import { bodyBytes } from '../lib/body-stream';
import { clientFor, delay, errorOf, hello, record, useGateway } from './support/harness';

const ctx = useGateway();
const fetchAxios = () => axios.create({ adapter: 'fetch' });

describe('chatStream$ over the fetch adapter (a ReadableStream body)', () => {
  it('streams, splits anywhere, and completes at [DONE]', async () => {
    const words = ['über ', '世界 ', '🙂 ', 'done'];
    ctx.gateway.route((_req, reply) => reply.sse(words.map((content) => ({ content })), { splitEvery: 3 }));
    const { client } = clientFor(ctx.gateway, { axios: fetchAxios() });
    const result = await record(client.chatStream$(hello));
    expect(result.completed).toBe(true);
    expect(result.values.map((c) => c.content)).toEqual(words);
  });

  it('fails with ConnectionError when the body breaks off', async () => {
    ctx.gateway.route(async (_req, reply) => {
      await reply.sse([{ content: 'a' }], { done: false, end: false });
      await delay(20);
      reply.drop();
    });
    const { client } = clientFor(ctx.gateway, { axios: fetchAxios() });
    const result = await record(client.chatStream$(hello));
    expect(result.values.map((c) => c.content)).toEqual(['a']);
    expect(result.error).toBeInstanceOf(ConnectionError);
  });

  it('says so when a 200 is not an event stream', async () => {
    ctx.gateway.route((_req, reply) => reply.text(200, 'plain words', { 'content-type': 'text/plain' }));
    const { client } = clientFor(ctx.gateway, { axios: fetchAxios() });
    const error = await errorOf(client.chatStream$(hello));
    expect(error).toBeInstanceOf(StreamError);
    expect(error.type).toBe('not-event-stream');
  });
});

describe('bodyBytes over a ReadableStream', () => {
  const request = { method: 'POST', url: 'http://x/' };

  it('cancels the stream when unsubscribed before its end', async () => {
    let cancelled: unknown;
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array([1, 2, 3])),
      cancel: (reason) => {
        cancelled = reason ?? 'cancelled';
      },
    });
    const result = await record(bodyBytes(body, request).pipe(take(2)));
    expect(result.values).toHaveLength(2);
    await delay(0);
    expect(cancelled).toBeDefined();
  });

  it('wraps a read error in ConnectionError', async () => {
    const body = new ReadableStream<Uint8Array>({ pull: (controller) => controller.error(new Error('boom')) });
    const error = await errorOf(bodyBytes(body, request));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toContain('boom');
  });
});
