/**
 * The browser build (the package's `browser` condition) swaps each `lib/x.ts` that has a `lib/x.browser.ts`
 * twin for that twin. Here: each twin keeps its Node twin's exports, and the client bundled from source the
 * way that build is made streams, refreshes and fails as the Node build does — over the fetch adapter, with no
 * Node stream reader, proxy lookup or chunk fast path in it.
 */
import axios from 'axios';
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BehaviorSubject, firstValueFrom, of, toArray } from 'rxjs';
import { browserVariants } from '../bench/browser-variants';
import { LLMProviderError } from '../lib';
import { errorOf, hello, record, streamStalledAfterOneChunk, unsubscribeAndAwaitClose, useGateway } from './support/harness';

const lib = join(__dirname, '..', 'lib');
const twins = readdirSync(lib)
  .filter((name) => name.endsWith('.browser.ts'))
  .map((name) => name.replace(/\.browser\.ts$/, ''));

describe('the browser twins', () => {
  it('exist for the Node-only pieces', () => {
    expect(twins.sort()).toEqual(['chunk-fast-path', 'client-request', 'default-http', 'node-stream-body', 'user-agent', 'wire-schemas']);
  });

  it.each(twins)('%s: the browser twin exports the same names', (name) => {
    expect(Object.keys(require(join(lib, `${name}.browser`))).sort()).toEqual(Object.keys(require(join(lib, name))).sort());
  });

  it('fails clearly when handed a Node stream (a custom axios adapter): this build reads WHATWG streams only', async () => {
    const { nodeStreamBytes } = require(join(lib, 'node-stream-body.browser'));
    const error = await errorOf(nodeStreamBytes({}, { method: 'POST', url: 'http://x' }, () => undefined));
    expect(error).toBeInstanceOf(LLMProviderError);
    expect(error.message).toMatch(/adapter: 'fetch'/);
  });
});

describe('the client as the browser build bundles it', () => {
  const ctx = useGateway({ model: { reply: 'one two three' } });
  let api: typeof import('../lib');
  let code: string;

  beforeAll(async () => {
    const result = await build({
      entryPoints: [join(lib, 'index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'cjs',
      external: ['rxjs', 'axios', 'zod'],
      plugins: [browserVariants],
      write: false,
      logLevel: 'silent',
    });
    code = result.outputFiles[0].text;
    const module = { exports: {} as typeof import('../lib') };
    new Function('require', 'module', 'exports', code)(require, module, module.exports);
    api = module.exports;
  });

  it('leaves the Node-only code out', () => {
    expect(code).not.toMatch(/process\.env|_proxy/); // default-http.ts
    expect(code).not.toContain("on('data'"); // node-stream-body.ts
    expect(code).not.toContain('{"content": "'); // chunk-fast-path.ts
    expect(code).not.toContain('writableFinished'); // client-request.ts
    expect(code).toContain('require("zod/mini")'); // wire-schemas.ts: zod/mini, not zod's chained API
    expect(code).not.toMatch(/require\("zod"\)/);
    expect(code).toContain("adapter: 'fetch'");
  });

  it('streams an answer with its default axios instance (the fetch adapter)', async () => {
    const client = new api.LlmGatewayClient({ serverUrl: ctx.gateway.url, token$: new BehaviorSubject('t') });
    const chunks = await firstValueFrom(client.chatStream$(hello).pipe(toArray()));
    expect(chunks.map((chunk) => chunk.content).join('')).toBe('one two three');
    expect(chunks.at(-1)?.isFinal).toBe(true);
  });

  it("sends no User-Agent of axios' own, whose name a CORS preflight would have to allow (Firefox sends it)", async () => {
    // axios' fetch adapter (since 1.16) sets `User-Agent: axios/x` unless told not to. Chromium drops it, but
    // Firefox sends it, so the preflight asks for `user-agent` and a gateway allowing Authorization and
    // Content-Type refuses every cross-origin request. The browser's own User-Agent is what a page should send.
    for (const http of [undefined, axios.create({ adapter: 'fetch' })]) {
      const client = new api.LlmGatewayClient({ serverUrl: ctx.gateway.url, token$: new BehaviorSubject('t'), axios: http });
      await firstValueFrom(client.chat$(hello));
    }
    expect(ctx.gateway.requests.map((req) => req.headers['user-agent'])).not.toContainEqual(expect.stringMatching(/axios/));
    expect(ctx.gateway.requests).toHaveLength(2);
  });

  it('refreshes once on a 401 and re-sends', async () => {
    ctx.gateway.route((req, reply) => (req.headers.authorization === 'Bearer fresh' ? reply.json(200, { content: 'ok' }) : reply.json(401, {})));
    let refreshes = 0;
    const client = new api.LlmGatewayClient({
      serverUrl: ctx.gateway.url,
      token$: new BehaviorSubject('stale'),
      refreshToken: () => (refreshes++, of('fresh')),
    });
    const result = await record(client.chat$(hello));
    expect(result.values.map((response) => response.content)).toEqual(['ok']);
    expect(ctx.gateway.requests).toHaveLength(2);
    expect(refreshes).toBe(1);
  });

  it('closes the connection on unsubscribe while the gateway is silent mid-stream (the signal, not destroy)', async () => {
    const client = new api.LlmGatewayClient({ serverUrl: ctx.gateway.url, token$: new BehaviorSubject('t') });
    const sent = await unsubscribeAndAwaitClose(ctx.gateway, await streamStalledAfterOneChunk(ctx.gateway, client));
    expect(sent.closedAt).toBeDefined();
    expect(sent.abortedByClient).toBe(true);
  });

  it('fails a truncated stream with its own StreamError class', async () => {
    ctx.gateway.route((_req, reply) => reply.text(200, 'data: {"content": "a"}\n\n', { 'content-type': 'text/event-stream' }));
    const client = new api.LlmGatewayClient({ serverUrl: ctx.gateway.url, token$: new BehaviorSubject('t') });
    const error = await errorOf(client.chatStream$(hello));
    expect(error).toBeInstanceOf(api.StreamError);
    expect(error.type).toBe('truncated');
  });
});
