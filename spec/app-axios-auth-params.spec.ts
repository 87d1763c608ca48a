/**
 * An app's own axios instance whose defaults carry credentials or query parameters for the app's own API
 * (`auth: { username, password }`, `params: { api_key }`). axios turns `auth` into `Authorization: Basic …`,
 * which would replace the client's Bearer JWT (the app's password sent to the gateway, the token never), and
 * appends `params` to every URL (the app's key in the gateway's access log). Neither applies to the client's
 * requests; nor do the defaults that would send the token elsewhere (`socketPath`) or the app's XSRF cookie
 * with it as a header (`withXSRFToken`). Cookies stay the instance's call.
 */
import axios from 'axios';
import { createServer } from 'node:http';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientFor, hello, record, useGateway } from './support/harness';

const ctx = useGateway();
const answer = { content: 'hello', model: 'm', usage: { prompt_tokens: 1, completion_tokens: 1 }, tool_calls: [], latency_ms: 1 };
const withAppDefaults = (adapter: 'http' | 'fetch') =>
  axios.create({ adapter, auth: { username: 'app-user', password: 'app-pass' }, params: { api_key: 'app-key' } });

describe.each(['http', 'fetch'] as const)("an instance (%s adapter) with `auth` and `params` defaults for the app's API", (adapter) => {
  it.each(['chat$', 'chatStream$'] as const)('%s still sends the Bearer JWT, and neither the app credentials nor its query', async (method) => {
    ctx.gateway.route((req, reply) => (req.path.endsWith('/stream') ? reply.sse([{ content: 'hello', is_final: true }]) : reply.json(200, answer)));
    const { client } = clientFor(ctx.gateway, { axios: withAppDefaults(adapter) }, 'the-jwt');
    const result = await record<{ content: string }>(client[method](hello));
    expect(result.error).toBeUndefined();
    expect(result.values.map((value) => value.content)).toEqual(['hello']);
    const [request] = ctx.gateway.requests;
    expect(request.headers.authorization).toBe('Bearer the-jwt');
    expect(request.path).toBe(`/api/v1/llm/${method === 'chat$' ? 'chat' : 'chat/stream'}`);
  });
});

describe("an instance whose `socketPath` default is the app's Unix socket (a local daemon, a sidecar)", () => {
  it.each(['chat$', 'chatStream$'] as const)('%s still goes to serverUrl: the token never reaches the socket', async (method) => {
    const path = join(tmpdir(), `llm-gateway-rx-${process.pid}-${method}.sock`);
    const socketAuthorizations: unknown[] = [];
    const sidecar = createServer((req, res) => {
      socketAuthorizations.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
    await new Promise<void>((resolve) => sidecar.listen(path, resolve));
    try {
      ctx.gateway.route((req, reply) => (req.path.endsWith('/stream') ? reply.sse([{ content: 'hello', is_final: true }]) : reply.json(200, answer)));
      const { client } = clientFor(ctx.gateway, { axios: axios.create({ adapter: 'http', socketPath: path }) }, 'the-jwt');
      const result = await record<{ content: string }>(client[method](hello));
      expect(result.error).toBeUndefined();
      expect(socketAuthorizations).toEqual([]);
      expect(ctx.gateway.requests.map((request) => request.token)).toEqual(['the-jwt']);
    } finally {
      sidecar.closeAllConnections();
      await new Promise((resolve) => sidecar.close(resolve));
      rmSync(path, { force: true });
    }
  });
});

describe("cookies (`withCredentials`): the instance's call, not pinned by the client", () => {
  // A same-origin gateway behind the app's login proxy needs the page's cookies; an app that sends them
  // everywhere (`withCredentials: true`) has chosen to, and its gateway's CORS answer must then name its origin.
  it.each([
    [undefined, 'same-origin'],
    [true, 'include'],
  ] as const)('withCredentials %s over fetch: credentials %s', async (withCredentials, credentials) => {
    ctx.gateway.route((_req, reply) => reply.json(200, answer));
    // What the fetch adapter hands fetch, seen through the instance's own `env.fetch` (a real fetch, to the real gateway).
    const sent: Request[] = [];
    const fetchSeen = (input: URL | Request | string, init?: RequestInit) => (sent.push(input as Request), fetch(input, init));
    const instance = axios.create({ adapter: 'fetch', withCredentials, env: { fetch: fetchSeen } });
    const { client } = clientFor(ctx.gateway, { axios: instance });
    const result = await record<unknown>(client.chat$(hello));
    expect(result.error).toBeUndefined();
    expect(sent.map((request) => request.credentials)).toEqual([credentials]);
  });
});

describe("an instance that sends the app's XSRF cookie everywhere (`withXSRFToken: true`), in a browser", () => {
  // axios adds the XSRF header in a standard browser environment only, which it detects when it loads: its browser
  // build is loaded here with a page's `window` and `document` (a cookie jar holding the app's XSRF-TOKEN).
  const globals = globalThis as { window?: unknown; document?: unknown };
  let browserAxios: typeof axios;
  beforeAll(() => {
    globals.window = { location: { href: 'http://app.example/' } };
    globals.document = { cookie: 'XSRF-TOKEN=app-csrf' };
    jest.isolateModules(() => {
      browserAxios = require('axios/dist/browser/axios.cjs');
    });
    delete globals.window;
  });
  afterAll(() => {
    delete globals.document;
  });

  it.each(['chat$', 'chatStream$'] as const)('%s sends the Bearer JWT only, not the XSRF token', async (method) => {
    ctx.gateway.route((req, reply) => (req.path.endsWith('/stream') ? reply.sse([{ content: 'hello', is_final: true }]) : reply.json(200, answer)));
    const { client } = clientFor(ctx.gateway, { axios: browserAxios.create({ adapter: 'fetch', withXSRFToken: true }) }, 'the-jwt');
    const result = await record<unknown>(client[method](hello));
    expect(result.error).toBeUndefined();
    const [request] = ctx.gateway.requests;
    expect(request.headers.authorization).toBe('Bearer the-jwt');
    expect(request.headers['x-xsrf-token']).toBeUndefined();
  });
});
