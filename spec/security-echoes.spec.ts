/**
 * The token never comes out of these paths either: a 404's detail, error bodies that stall or break off, an app's
 * own axios (interceptors, signals). Each test: the token must not come out.
 */
import axios from 'axios';
import { tap } from 'rxjs';
import { GatewayError, LLMProviderError, ModelNotFoundError } from '../lib';
import { everyForm, keysReachable, SECRET } from './support/leak-check';
import { clientFor, errorOf, hello, useGateway } from './support/harness';

const ctx = useGateway();

describe('a 404 / 502 whose JSON detail quotes the token with escapes', () => {
  // An opaque (non-JWT) token with '+' and '/': ASP.NET's System.Text.Json writes '+' as \u002B, PHP's
  // json_encode writes '/' as \/. The raw body never holds the token as such; the decoded detail does.
  const OPAQUE = 'AbC+dEf/GhIjKlMnOpQrStUvWxYz0123456789+sEcReT/sig==';
  const escapedJson = (text: string) => JSON.stringify(text).replace(/\+/g, '\\u002B').replace(/\//g, '\\/');

  it.each([
    [404, ModelNotFoundError],
    [502, GatewayError],
  ])('%i: neither chat$ nor chatStream$ puts it in the error', async (status, errorClass) => {
    ctx.gateway.route((req, reply) =>
      reply.text(status, `{"detail":${escapedJson(`rejected ${req.headers.authorization}`)}}`, { 'content-type': 'application/json' }),
    );
    const { client } = clientFor(ctx.gateway, {}, OPAQUE);
    for (const call of [client.chat$(hello), client.chatStream$(hello)]) {
      const error = await errorOf(call);
      expect(error).toBeInstanceOf(errorClass);
      expect(error.message).toContain('rejected Bearer [redacted]');
      expect(everyForm(error)).not.toContain('sEcReT');
    }
  });
});

describe('an error body that stops in the middle of an echoed token', () => {
  // The status is reported with what arrived (after 1 s of silence, or when the body breaks off): that may end
  // with all of the token but its last characters.
  it.each([
    ['502 that stalls', 502, 'stall'],
    ['502 that breaks off', 502, 'drop'],
    ['404 that stalls', 404, 'stall'],
  ] as const)('%s: the part of the token that arrived is not in the error', async (_name, status, how) => {
    ctx.gateway.route(async (req, reply) => {
      reply.head(status, { 'content-type': 'text/plain' });
      await reply.write(`invalid token ${req.token!.slice(0, -2)}`);
      if (how === 'drop') reply.drop();
    });
    const { client } = clientFor(ctx.gateway, {}, SECRET);
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(status === 404 ? ModelNotFoundError : GatewayError);
    expect(error.message).toContain('invalid token [redacted]');
    const text = everyForm(error);
    expect(text).not.toContain('sEcReT');
    expect(text).not.toContain('c2VjcmV0LXBheWxvYWQ');
  });
});

describe("an app's own axios", () => {
  it.each(['http', 'fetch'] as const)(
    '%s adapter, a response interceptor that wraps errors (cause: the axios error): no config, no token reachable',
    async (adapter) => {
      const http = axios.create({ adapter });
      // A common pattern: give every failed call an app-level message, keep axios' error as the cause.
      http.interceptors.response.use(undefined, (error: Error) => Promise.reject(new Error(`API call failed: ${error.message}`, { cause: error })));
      const { client } = clientFor(ctx.gateway, { serverUrl: 'http://127.0.0.1:1', axios: http }, SECRET);
      const error = await errorOf(client.chat$(hello));
      expect(error).toBeInstanceOf(LLMProviderError);
      expect(keysReachable(error)).not.toContain('config');
      expect(everyForm(error)).not.toContain('sEcReT');
    },
  );

  it('an app signal (added by an interceptor) that aborts a stream mid-body: no config, no token reachable', async () => {
    const loggedOut = new AbortController();
    const http = axios.create({ adapter: 'http' });
    // "Cancel every request on logout": the app's signal joined to the one the client passes.
    http.interceptors.request.use((config) => ({ ...config, signal: AbortSignal.any([config.signal as AbortSignal, loggedOut.signal]) }));
    ctx.gateway.route((_req, reply) => reply.sse([{ content: 'a' }], { done: false, end: false }));
    const { client } = clientFor(ctx.gateway, { axios: http }, SECRET);
    const error = await errorOf(client.chatStream$(hello).pipe(tap(() => loggedOut.abort())));
    expect(error).toBeInstanceOf(LLMProviderError);
    expect(keysReachable(error)).not.toContain('config');
    expect(everyForm(error)).not.toContain('sEcReT');
  });
});
