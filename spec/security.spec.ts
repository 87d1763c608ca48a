/** The JWT must never leak: not through errors, not through logs, not to another origin. */
import axios from 'axios';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { BehaviorSubject, firstValueFrom, Observable } from 'rxjs';
import { AuthenticationError, LLMProviderError, StreamError } from '../lib';
import { errorFromStatus } from '../lib/errors';
import { everyForm, keysReachable, SECRET } from './support/leak-check';
import { clientFor, errorOf, hello, record, streamStalledAfterOneChunk, useGateway } from './support/harness';

const ctx = useGateway();

describe('the token never leaks through an error', () => {
  const cases: Array<[string, (c: ReturnType<typeof clientFor>['client']) => Observable<unknown>, (url: string) => string | undefined]> = [
    ['401 without refresh', (c) => c.chat$(hello), () => undefined],
    ['500 echoing the request headers', (c) => c.chat$(hello), () => undefined],
    ['connection refused', (c) => c.chat$(hello), () => 'http://127.0.0.1:1'],
    ['stream 401', (c) => c.chatStream$(hello), () => undefined],
    ['timeout', (c) => c.chat$(hello), () => undefined],
  ];

  it.each(cases)('%s', async (name, call, serverUrl) => {
    ctx.gateway.route((req, reply) => {
      if (name === 'timeout') return;
      if (name.includes('401')) return reply.json(401, { detail: 'expired' });
      reply.text(500, `server saw headers ${JSON.stringify(req.headers)}`);
    });
    const { client } = clientFor(ctx.gateway, { serverUrl: serverUrl(ctx.gateway.url) ?? ctx.gateway.url, timeoutMs: 200 }, SECRET);
    const error = await errorOf(call(client));
    expect(error).toBeInstanceOf(LLMProviderError);
    if (name.startsWith('500')) {
      // The server echoed our token back in its body; a careless client would put it in the message.
      expect(error.message).toContain('Unexpected status 500');
    }
    const text = everyForm(error);
    expect(text).not.toContain('sEcReT-sig');
    expect(text).not.toContain('c2VjcmV0LXBheWxvYWQ');
  });
});

describe('a refresh failure that holds the token it was replacing', () => {
  it('quoting it in its message: neither the AuthenticationError nor its cause carries it', async () => {
    ctx.gateway.route((_req, reply) => reply.json(401, {}));
    const refreshToken = () => Promise.reject(Object.assign(new TypeError(`refresh said: invalid token ${SECRET}`), { code: 'E_REFRESH' }));
    const { client } = clientFor(ctx.gateway, { refreshToken }, SECRET);
    const error = await errorOf(client.chat$(hello));
    expect(error.message).toBe('Token refresh failed: refresh said: invalid token [redacted]');
    expect(everyForm(error)).not.toContain('sEcReT-sig');
    expect(error.cause).toMatchObject({ name: 'TypeError', code: 'E_REFRESH', message: 'refresh said: invalid token [redacted]' });
  });

  it('a thrown string quoting it: the cause is a plain Error with the token cut out', async () => {
    ctx.gateway.route((_req, reply) => reply.json(401, {}));
    const refreshToken = () => Promise.reject(`refresh refused token ${SECRET}`);
    const { client } = clientFor(ctx.gateway, { refreshToken }, SECRET);
    const error = await errorOf(client.chat$(hello));
    expect(error.message).toBe('Token refresh failed: refresh refused token [redacted]');
    expect(everyForm(error)).not.toContain('sEcReT-sig');
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.cause).toMatchObject({ name: 'Error', message: 'refresh refused token [redacted]' });
    expect(Object.keys(error.cause as object)).toEqual([]);
  });

  it('an axios error of the refresh call (the old token in its config): replaced as the transport replaces one', async () => {
    // The common refresh: POST to an auth endpoint with axios, presenting the old token, which refuses it (the
    // route answers 401 on every path under /api/v1/llm, this one included).
    ctx.gateway.route((_req, reply) => reply.json(401, { detail: 'expired' }));
    const refreshToken = () =>
      axios.post<{ token: string }>(`${ctx.gateway.url}/api/v1/llm/refresh`, {}, { headers: { Authorization: `Bearer ${SECRET}` } }).then((r) => r.data.token);
    const { client } = clientFor(ctx.gateway, { refreshToken }, SECRET);
    const error = await errorOf(client.chat$(hello));
    expect(error.message).toBe('Token refresh failed: Request failed with status code 401');
    expect(keysReachable(error)).not.toContain('config');
    expect(everyForm(error)).not.toContain('sEcReT-sig');
    expect(inspect(error, { depth: null })).not.toContain('sEcReT-sig');
    expect((error.cause as { code?: string }).code).toBe('ERR_BAD_REQUEST');
  });
});

describe('the token is removed from an error body once, after its detail is read', () => {
  // A short test token ("tail") occurs in the JSON's own key: scrubbing the raw body first broke the JSON and
  // lost the detail; and a token inside "[redacted]" ("dact") was scrubbed out of the first pass's marker.
  it.each([
    [404, 'tail', { detail: 'no such model: tail-7' }, 'Model not found: test-model (no such model: [redacted]-7)'],
    [502, 'tail', { detail: 'upstream said tail' }, 'Server LLM gateway error: upstream said [redacted]'],
    [502, 'dact', { error: 'upstream echoed dact' }, 'Server LLM gateway error: upstream echoed [redacted]'],
    [500, 'dact', 'saw dact', 'Unexpected status 500: saw [redacted]'],
  ])('%i with the token %j in the body', async (status, token, body, message) => {
    ctx.gateway.route((_req, reply) => (typeof body === 'string' ? reply.text(status, body) : reply.json(status, body)));
    const { client } = clientFor(ctx.gateway, {}, token);
    expect((await errorOf(client.chat$(hello))).message).toBe(message);
  });
});

describe('redirects', () => {
  let other: Server;
  let seen: Array<string | undefined>;
  beforeEach(async () => {
    seen = [];
    other = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"content":"from elsewhere"}');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    other.closeAllConnections();
    await new Promise((resolve) => other.close(resolve));
  });

  it.each([307, 308, 302])('does not carry the Authorization header to another origin on a %i', async (status) => {
    const target = `http://127.0.0.1:${(other.address() as AddressInfo).port}/api/v1/llm/chat`;
    ctx.gateway.route((_req, reply) => reply.text(status, '', { location: target }));
    const { client } = clientFor(ctx.gateway, {}, SECRET);
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(LLMProviderError);
    expect(error.status).toBe(status);
    expect(seen.filter((h) => h !== undefined)).toEqual([]);
    // Says what happened and what to do, rather than "Unexpected status".
    expect(error.message).toBe(`Redirect not followed (${status} to ${target}): the client never follows one, which could carry the token to another origin; point serverUrl where the gateway answers`);
  });

  it('names the status 0 of a redirect a browser did not follow (opaque: no Location) as one not followed', () => {
    // Node's adapters always see the 3xx itself; a browser's fetch with `redirect: 'manual'` reports status 0.
    const request = { method: 'POST', url: 'https://gateway.example.com/api/v1/llm/chat' };
    const error = errorFromStatus(0, '', 'm', request, {}, SECRET);
    expect(error).toBeInstanceOf(LLMProviderError);
    expect(error.status).toBe(0);
    expect(error.request).toEqual(request);
    expect(error.message).toBe('Redirect not followed: the client never follows one, which could carry the token to another origin; point serverUrl where the gateway answers');
  });

  it('counts every 3xx with a Location as a redirect, 300 and 399 included, and no status outside them', () => {
    const request = { method: 'POST', url: 'https://gateway.example.com/api/v1/llm/chat' };
    const headers = { location: 'https://elsewhere.example.com/' };
    for (const status of [300, 399]) expect(errorFromStatus(status, '', 'm', request, headers).message).toMatch(new RegExp(`^Redirect not followed \\(${status} to `));
    expect(errorFromStatus(299, 'odd', 'm', request, headers).message).toBe('Unexpected status 299: odd');
    expect(errorFromStatus(400, 'bad', 'm', request, headers).message).toBe('Unexpected status 400: bad');
  });

  it('names no redirect for a 3xx without a Location (a 304)', async () => {
    ctx.gateway.route((_req, reply) => reply.text(304, ''));
    const { client } = clientFor(ctx.gateway, {}, SECRET);
    expect((await errorOf(client.chat$(hello))).message).toBe('Unexpected status 304: ');
  });
});

describe('no axios config, no headers, no token in what errors and logs carry', () => {

  it.each([
    ['connection refused', 'refused'],
    ['connection reset', 'reset'],
    ['401', '401'],
    ['502', '502'],
  ])('%s: no config or headers reachable from the error', async (_name, kind) => {
    ctx.gateway.route((_req, reply) => {
      if (kind === 'reset') return reply.drop();
      reply.json(kind === '401' ? 401 : 502, { detail: 'x' });
    });
    const serverUrl = kind === 'refused' ? 'http://127.0.0.1:1' : ctx.gateway.url;
    const { client } = clientFor(ctx.gateway, { serverUrl }, SECRET);
    const error = await errorOf(client.chat$(hello));
    const keys = keysReachable(error);
    expect(keys).not.toContain('config');
    expect(keys).not.toContain('headers');
    expect(everyForm(error)).not.toContain('sEcReT-sig');
  });

  it('logger calls (refresh failure, malformed lines) never carry the token', async () => {
    ctx.gateway.route((req, reply) =>
      req.token === SECRET ? reply.json(401, {}) : reply.sse(['data: {broken\n\n', { content: 'ok' }]),
    );
    const calls: unknown[][] = [];
    const logger = { warn: (...args: unknown[]) => calls.push(args), debug: (...args: unknown[]) => calls.push(args) };
    // A refresh failure reaches the logger when no request is left waiting on it.
    let fail!: (error: Error) => void;
    const failing = clientFor(ctx.gateway, { logger, refreshToken: () => new Promise<string>((_resolve, reject) => (fail = reject)) }, SECRET);
    const waiting = failing.client.chat$(hello).subscribe({ error: () => undefined });
    await firstValueFrom(failing.client.status$); // the refresh started
    waiting.unsubscribe();
    fail(new Error(`cannot refresh ${SECRET}`));
    await new Promise((resolve) => setImmediate(resolve));
    const working = clientFor(ctx.gateway, { logger }, 'other-token');
    const streamed = await record(working.client.chatStream$(hello));
    expect(streamed.values.map((c) => c.content)).toEqual(['ok']);
    expect(calls.some((args) => String(args[0]).includes('{broken'))).toBe(true);
    expect(calls.some((args) => String(args[0]).includes('cannot refresh'))).toBe(true);
    expect(JSON.stringify(calls)).not.toContain('sEcReT-sig');
  });
});

describe('a stream that echoes the token', () => {
  it('does not pass it on to the logger in the malformed-line warning', async () => {
    ctx.gateway.route((req, reply) => reply.sse([`data: {"echo": "${req.headers.authorization}"\n\n`, { content: 'ok' }]));
    const calls: unknown[][] = [];
    const { client } = clientFor(ctx.gateway, { logger: { warn: (...args: unknown[]) => calls.push(args) } }, SECRET);
    const result = await record(client.chatStream$(hello));
    expect(result.values.map((c) => c.content)).toEqual(['ok']);
    expect(calls).toHaveLength(1);
    expect(String(calls[0][0])).toContain('Bearer [redacted]');
    expect(JSON.stringify(calls)).not.toContain('sEcReT-sig');
  });

  it('does not log the part of a long token that a cut at 200 characters leaves in the warning', async () => {
    const longToken = `eyJhbGciOiJIUzI1NiJ9.${'c2VjcmV0LWNsYWltcw'.repeat(15)}.sEcReT-sig`;
    expect(longToken.length).toBeGreaterThan(200);
    ctx.gateway.route((req, reply) => reply.sse([`data: {"echo":${req.headers.authorization}\n\n`, { content: 'ok' }]));
    const warnings: string[] = [];
    const { client } = clientFor(ctx.gateway, { logger: { warn: (message: string) => warnings.push(message) } }, longToken);
    const result = await record(client.chatStream$(hello));
    expect(result.values.map((c) => c.content)).toEqual(['ok']);
    expect(warnings).toEqual(['Failed to parse SSE line: {"echo":Bearer [redacted]']);
  });

  it('does not put it in the StreamError of an error payload that quotes it', async () => {
    ctx.gateway.route((req, reply) =>
      reply.sse([{ content: 'a' }, { error: 'unauthorized_upstream', detail: `rejected ${req.headers.authorization}` }]),
    );
    const { client } = clientFor(ctx.gateway, {}, SECRET);
    const result = await record(client.chatStream$(hello));
    expect(result.values.map((c) => c.content)).toEqual(['a']);
    const error = result.error as StreamError;
    expect(error).toBeInstanceOf(StreamError);
    expect(error.type).toBe('error-payload');
    expect(error.detail).toBe('rejected Bearer [redacted]');
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain('sEcReT-sig');
  });
});

describe("an app's own error", () => {
  it('is passed on as it is: a token$ that errored throws the same error to every request, never stamped', async () => {
    const loggedOut = new AuthenticationError('session ended');
    const token$ = new BehaviorSubject('t');
    token$.error(loggedOut);
    const { client } = clientFor(ctx.gateway, { token$ });
    expect(await errorOf(client.chat$(hello))).toBe(loggedOut);
    expect(await errorOf(client.chatStream$(hello))).toBe(loggedOut);
    expect(loggedOut.request).toBeUndefined();
  });

  it.each([
    ['errored with an error of its own', (token$: BehaviorSubject<string>) => token$.error(new Error('session store down')), 'session store down'],
    ['unsubscribed (closed)', (token$: BehaviorSubject<string>) => token$.unsubscribe(), 'object unsubscribed'],
  ])('a token$ %s: an AuthenticationError with that error as its cause, as every error is an LLMProviderError', async (_how, end, reason) => {
    const token$ = new BehaviorSubject('t');
    end(token$);
    const { client } = clientFor(ctx.gateway, { token$ });
    for (const call of [client.chat$(hello), client.chatStream$(hello)]) {
      const error = await errorOf(call);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.message).toBe(`token$ gave no token: ${reason}`);
      expect(error.cause).toBeInstanceOf(Error);
    }
    expect(ctx.gateway.requests).toHaveLength(0);
  });
});

describe('construction and request checks', () => {
  it.each(['ftp://gateway.example.com', 'javascript:alert(1)', 'not a url', '', 'file:///etc/passwd'])(
    'rejects serverUrl %j at construction with a clear error',
    (serverUrl) => {
      expect(() => clientFor(ctx.gateway, { serverUrl })).toThrow(LLMProviderError);
      expect(() => clientFor(ctx.gateway, { serverUrl })).toThrow(/serverUrl must be an http\(s\) URL/);
    },
  );

  it.each(['http://user:pa55word@127.0.0.1:1', 'https://:pa55word@gateway.example.com', 'http://user@127.0.0.1:1', 'ftp://user:pa55word@host'])(
    'rejects serverUrl with credentials (%s): axios would send them in place of the token, errors would show them',
    (serverUrl) => {
      let thrown: unknown;
      try {
        clientFor(ctx.gateway, { serverUrl });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(LLMProviderError);
      expect((thrown as Error).message).toBe('serverUrl must not carry a user name or password: the token authenticates');
    },
  );

  it.each(['http://127.0.0.1:1/?tenant=a', 'https://gateway.example.com/v1#top', 'http://127.0.0.1:1/?'])(
    'rejects serverUrl %s: the paths are appended to it, which would put them inside its query or fragment',
    (serverUrl) => {
      expect(() => clientFor(ctx.gateway, { serverUrl })).toThrow(
        new LLMProviderError(`serverUrl must be a base URL, without ?query or #fragment, got "${serverUrl}"`),
      );
    },
  );

  it.each([
    [{ count: -1 }, 'retry.count must be a whole number ≥ 0 or Infinity, got -1'],
    [{ count: 1.5 }, 'retry.count must be a whole number ≥ 0 or Infinity, got 1.5'],
    [{ count: Number.NaN }, 'retry.count must be a whole number ≥ 0 or Infinity, got NaN'],
    [{ count: 2, baseDelayMs: -5 }, 'retry.baseDelayMs must be a number ≥ 0, got -5'],
    [{ count: 2, maxDelayMs: Number.NaN }, 'retry.maxDelayMs must be a number ≥ 0, got NaN'],
  ])('rejects the retry policy %j: it would quietly mean "never retry" or "no wait"', (retry, message) => {
    expect(() => clientFor(ctx.gateway, { retry })).toThrow(new LLMProviderError(message));
  });

  it('accepts a retry policy of whole counts and delays of 0 or more, Infinity included', () => {
    expect(() => clientFor(ctx.gateway, { retry: { count: 0 } })).not.toThrow();
    expect(() => clientFor(ctx.gateway, { retry: { count: 3, baseDelayMs: 0, maxDelayMs: Infinity } })).not.toThrow();
    expect(() => clientFor(ctx.gateway, { retry: { count: Infinity } })).not.toThrow(); // as RxJS retry takes it
  });

  it.each([{ timeoutMs: 0 }, { timeoutMs: -1 }, { timeoutMs: Number.NaN }, { maxLineBytes: Number.NaN }])('rejects a bound that is not positive: %j', (options) => {
    expect(() => clientFor(ctx.gateway, options)).toThrow(/must be a positive number/);
  });

  it.each(['maxLineBytes', 'maxResponseBytes'])('rejects %s: Infinity (no bound at all)', (name) => {
    expect(() => clientFor(ctx.gateway, { [name]: Infinity })).toThrow(new LLMProviderError(`${name} must be a positive number, got Infinity`));
  });
});

describe('a logged client', () => {
  // `console.log(client)` in an app's debugging, or a framework dumping a service's state: the client holds
  // the token's BehaviorSubject (read for each request's header) and an axios instance whose keep-alive agent
  // holds the requests in flight, Authorization header and all. Neither may be printed or serialised with it.
  it('shows no token in util.inspect at any depth or JSON.stringify, with a stream in flight', async () => {
    const { inspect } = await import('node:util');
    const { client } = clientFor(ctx.gateway, {}, SECRET);
    const subscription = await streamStalledAfterOneChunk(ctx.gateway, client);
    try {
      expect(inspect(client, { depth: null })).not.toContain('sEcReT-sig');
      expect(JSON.stringify(client)).not.toContain('sEcReT-sig');
      expect(keysReachable(client)).not.toContain('token$');
    } finally {
      subscription.unsubscribe();
    }
  });
});
