/**
 * The ReadableStream body (the browser's, via axios' fetch adapter) where fetch-adapter.spec.ts does not go:
 * splits inside characters, a body that breaks off, a 200 that is not an event stream, a status without a body,
 * and bodyBytes / bodyText themselves.
 */
import axios from 'axios';
import { Subject, take } from 'rxjs';
import { ConnectionError, LLMProviderError, StreamError } from '../lib';
import { bodyBytes, bodyText } from '../lib/body-stream';
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

describe('a status without a body (the fetch adapter gives null: 204, 304, and a redirect in a browser, status 0)', () => {
  it.each(['chat$', 'chatStream$'] as const)('%s maps it like any other status', async (method) => {
    ctx.gateway.route((_req, reply) => reply.text(204, ''));
    const { client } = clientFor(ctx.gateway, { axios: fetchAxios() });
    const error = await errorOf(client[method](hello));
    expect(error).toBeInstanceOf(LLMProviderError);
    expect(error.status).toBe(204);
    expect(error.message).toMatch(/^Unexpected status 204/);
  });

  it('bodyBytes gives no body as one empty chunk, then completes', async () => {
    const result = await record(bodyBytes(null, { method: 'POST', url: 'http://x/' }));
    expect(result).toEqual({ values: [new Uint8Array(0)], completed: true });
  });

  // Chromium's fetch hands a 204 an empty body stream, not null (e2e/browser-client.spec.ts sees it there); the
  // adapter then re-wraps it in a `Response`, which refuses a body for that status.
  const chromiumLikeFetch = async (input: URL | Request | string, init?: RequestInit) => {
    const response = await fetch(input, init);
    if (response.body === null) Object.defineProperty(response, 'body', { value: new ReadableStream() });
    return response;
  };

  it.each(['chat$', 'chatStream$'] as const)('%s maps a 204 with an empty body stream (Chromium) too, and a retry policy does not re-send it', async (method) => {
    ctx.gateway.route((_req, reply) => reply.text(204, ''));
    const { client } = clientFor(ctx.gateway, { axios: axios.create({ adapter: 'fetch', env: { fetch: chromiumLikeFetch } }), retry: { count: 2, baseDelayMs: 1 } });
    const error = await errorOf(client[method](hello));
    expect(error).not.toBeInstanceOf(ConnectionError);
    expect(error.status).toBe(204);
    expect(error.message).toMatch(/^Unexpected status 204/);
    expect(ctx.gateway.requests).toHaveLength(1);
  });
});

describe('bodyText', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('truncating, stops as soon as `limit` bytes are in, without waiting for more or for the end', () => {
    const source = new Subject<Uint8Array>();
    const seen: string[] = [];
    bodyText(source, 4).subscribe((text) => seen.push(text));
    source.next(bytes('ab'));
    expect(seen).toEqual([]);
    source.next(bytes('cd'));
    expect(seen).toEqual(['abcd']);
    expect(source.observed).toBe(false); // unsubscribed: the connection is closed
  });

  it('with tooLarge, accepts exactly `limit` bytes and fails on one more', () => {
    const source = new Subject<Uint8Array>();
    const seen: string[] = [];
    let failed: unknown;
    bodyText(source, 4, () => new Error('too large')).subscribe({ next: (text) => seen.push(text), error: (e) => (failed = e) });
    source.next(bytes('abcd'));
    expect(failed).toBeUndefined();
    source.next(bytes('e'));
    expect(failed).toEqual(new Error('too large'));
    expect(source.observed).toBe(false);
  });

  it('passes an error of the bytes on as it is, with no text (the part read so far is not a body)', () => {
    const source = new Subject<Uint8Array>();
    const seen: string[] = [];
    let failed: unknown;
    bodyText(source, 100).subscribe({ next: (text) => seen.push(text), error: (e) => (failed = e) });
    source.next(bytes('partial'));
    const broken = new Error('connection lost');
    source.error(broken);
    expect(failed).toBe(broken);
    expect(seen).toEqual([]);
  });

  it('decodes a character cut between two chunks', () => {
    const source = new Subject<Uint8Array>();
    const seen: string[] = [];
    bodyText(source, 100).subscribe((text) => seen.push(text));
    const euro = bytes('€');
    source.next(euro.subarray(0, 1));
    source.next(euro.subarray(1));
    source.complete();
    expect(seen).toEqual(['€']);
  });
});
