/**
 * The browser's transport path — axios' fetch adapter, the body a WHATWG ReadableStream — run in Node (whose
 * fetch is undici) against the loopback gateway, so the path browsers take is tested on every `npm test`,
 * not only in the Chromium e2e.
 */
import axios from 'axios';
import { BehaviorSubject, tap } from 'rxjs';
import { ConnectionError, GatewayError, StreamChunk } from '../lib';
import { clientFor, delay, errorOf, hello, record, streamStalledAfterOneChunk, unsubscribeAndAwaitClose, useGateway } from './support/harness';

const ctx = useGateway();
const fetchAxios = () => axios.create({ adapter: 'fetch' });
const chunk = (content: string) => ({ content, model: 'm', tool_calls: [], usage: null, is_final: false });
const contents = (chunks: StreamChunk[]) => chunks.map((c) => c.content);

describe('chatStream$ over the fetch adapter', () => {
  it('emits each event as it arrives, before the stream ends', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    ctx.gateway.route(async (_req, reply) => {
      reply.head(200, { 'content-type': 'text/event-stream' });
      await reply.write(`data: ${JSON.stringify(chunk('one'))}\n\n`);
      await reply.write(`data: ${JSON.stringify(chunk('two'))}\n\n`);
      await released;
      await reply.write(`data: ${JSON.stringify(chunk('three'))}\n\ndata: [DONE]\n\n`);
      reply.end();
    });
    const { client } = clientFor(ctx.gateway, { axios: fetchAxios() });
    const seen: string[] = [];
    const result = record(client.chatStream$(hello).pipe(tap((c) => seen.push(c.content))));
    // The gateway holds the rest back until we saw the first two: only a streamed body gets us past this.
    while (seen.length < 2) await delay(10);
    expect(seen).toEqual(['one', 'two']);
    release();
    const { completed, values } = await result;
    expect(completed).toBe(true);
    expect(contents(values)).toEqual(['one', 'two', 'three']);
  });

  it('closes the connection on unsubscribe while the gateway is silent mid-stream', async () => {
    // One event, then a stalled upstream: cancel must not wait for a next chunk that never comes.
    const { client } = clientFor(ctx.gateway, { axios: fetchAxios() });
    const sent = await unsubscribeAndAwaitClose(ctx.gateway, await streamStalledAfterOneChunk(ctx.gateway, client));
    expect(sent.closedAt).toBeDefined();
    expect(sent.abortedByClient).toBe(true);
  });

  it('refreshes once on a 401 and streams the answer with the new token', async () => {
    ctx.gateway.route((req, reply) =>
      req.token === 'fresh' ? reply.sse([chunk('ok')]) : reply.json(401, { detail: 'token expired' }),
    );
    const token$ = new BehaviorSubject('stale');
    let refreshes = 0;
    const { client } = clientFor(ctx.gateway, {
      axios: fetchAxios(),
      token$,
      refreshToken: async () => {
        refreshes += 1;
        return 'fresh';
      },
    });
    const result = await record(client.chatStream$(hello));
    expect(contents(result.values)).toEqual(['ok']);
    expect(refreshes).toBe(1);
    expect(ctx.gateway.requests.map((r) => r.token)).toEqual(['stale', 'fresh']);
  });

  it('maps a 502 body to a GatewayError with its detail', async () => {
    ctx.gateway.route((_req, reply) => reply.json(502, { detail: 'upstream model overloaded' }));
    const { client } = clientFor(ctx.gateway, { axios: fetchAxios() });
    const error = await errorOf(client.chatStream$(hello));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.detail).toBe('upstream model overloaded');
  });
});

describe('chat$ over the fetch adapter', () => {
  it('answers a normal request (the manual-redirect fetch option does not get in the way)', async () => {
    ctx.gateway.route((_req, reply) =>
      reply.json(200, { content: 'hi', model: 'm', usage: { prompt_tokens: 1, completion_tokens: 1 }, tool_calls: [], latency_ms: 1 }),
    );
    const { client } = clientFor(ctx.gateway, { axios: fetchAxios() });
    const result = await record(client.chat$(hello));
    expect(result.values.map((r) => r.content)).toEqual(['hi']);
  });

  it("names axios' own code (ERR_NETWORK) when the failure's kept cause has none", async () => {
    // Port 1 is on fetch's list of bad ports: undici refuses it before connecting, with a cause that has no code
    // (a refused connection's would say ECONNREFUSED), so only axios' error names the failure.
    const { client } = clientFor(ctx.gateway, { serverUrl: 'http://127.0.0.1:1', axios: fetchAxios() });
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toMatch(/^Network error \(ERR_NETWORK\): /);
    expect((error.cause as { code?: unknown }).code).toBeUndefined();
  });

  it('does not follow a redirect', async () => {
    ctx.gateway.route((_req, reply) => reply.text(307, '', { location: 'http://127.0.0.1:9/elsewhere' }));
    const { client } = clientFor(ctx.gateway, { axios: fetchAxios() });
    const result = await record(client.chat$(hello));
    expect(result.error).toBeDefined();
    expect(ctx.gateway.requests).toHaveLength(1);
  });
});

describe('an axios instance whose adapter buffers the body (as XHR does in a browser)', () => {
  // What XHR gives whatever responseType is asked: the whole body, as text. An interceptor asking axios'
  // http adapter for text stands in for it.
  function bufferingAxios() {
    const http = axios.create({ adapter: 'http' });
    http.interceptors.request.use((config) => ({ ...config, responseType: 'text' }));
    return http;
  }

  it('still answers chat$', async () => {
    ctx.gateway.route((_req, reply) => reply.json(200, { content: 'whole' }));
    const { client } = clientFor(ctx.gateway, { axios: bufferingAxios() });
    const result = await record(client.chat$(hello));
    expect(result.values.map((response) => response.content)).toEqual(['whole']);
  });

  it('still streams chatStream$, every chunk at the end', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([{ content: 'a' }, { content: 'b', is_final: true }]));
    const { client } = clientFor(ctx.gateway, { axios: bufferingAxios() });
    const result = await record(client.chatStream$(hello));
    expect(result.completed).toBe(true);
    expect(result.values.map((chunk) => chunk.content)).toEqual(['a', 'b']);
  });

  it('still maps an error status with its body', async () => {
    ctx.gateway.route((_req, reply) => reply.json(502, { detail: 'upstream down' }));
    const { client } = clientFor(ctx.gateway, { axios: bufferingAxios() });
    const error = await errorOf(client.chatStream$(hello));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.detail).toBe('upstream down');
  });
});

describe('an app’s own axios, of whatever 1.x version', () => {
  // Only `request` is used, and typed by shape: an instance from an app's own (older or newer) axios copy is
  // another `AxiosInstance` type than this package's, and must still be accepted. This object has nothing but
  // `request`, so it would not compile against `AxiosInstance`.
  it('is anything with axios’ request method: streams and maps errors through it', async () => {
    const real = axios.create({ adapter: 'http' });
    const seen: string[] = [];
    const http = {
      request(config: object) {
        seen.push((config as { url: string }).url);
        return real.request(config);
      },
    };
    ctx.gateway.route((_req, reply) => reply.sse([{ content: 'a' }, { content: 'b', is_final: true }]));
    const { client } = clientFor(ctx.gateway, { axios: http });
    const result = await record(client.chatStream$(hello));
    expect(result.values.map((chunk) => chunk.content)).toEqual(['a', 'b']);
    ctx.gateway.route((_req, reply) => reply.json(502, { detail: 'upstream down' }));
    expect(await errorOf(client.chat$(hello))).toBeInstanceOf(GatewayError);
    expect(seen).toEqual([`${ctx.gateway.url}/api/v1/llm/chat/stream`, `${ctx.gateway.url}/api/v1/llm/chat`]);
  });
});
