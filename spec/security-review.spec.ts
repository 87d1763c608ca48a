/**
 * Paths the other security specs do not walk: a token spelled with JSON escapes where the client shows raw text
 * (an error body that is not JSON it could decode, a 200 of the wrong type, a malformed stream line, a body
 * that breaks off inside an escape), a password in a URL that does not parse, and the dev gateway reached under a host name that is not its own (DNS
 * rebinding: a web page whose name now resolves to 127.0.0.1 talking to it as same-origin).
 */
import { request as httpRequest } from 'node:http';
import { inspect } from 'node:util';
import { BehaviorSubject } from 'rxjs';
import { LlmGatewayClient, LLMProviderError } from '../lib';
import { main } from '../lib/cli/main';
import { forwardToOpenAi, startTestGateway, type TestGateway } from '../lib/testing';
import { clientFor, errorOf, hello, record, useGateway } from './support/harness';
import { everyForm } from './support/leak-check';
import { memoryIo } from './support/memory-io';

const ctx = useGateway();

// An opaque token with '+' and '/': ASP.NET's System.Text.Json writes '+' as \u002B, PHP's json_encode '/' as \/.
const OPAQUE = 'AbC+dEf/GhIjKlMnOpQrStUvWxYz0123456789+sEcReT/sig==';
const escapedJson = (text: string) => JSON.stringify(text).replace(/\+/g, '\\u002B').replace(/\//g, '\\/');

describe('a token spelled with JSON escapes in text the client shows as it came', () => {
  it.each([
    ['a 500 JSON body (quoted raw)', 500, ''],
    ['a 403 JSON body (quoted raw)', 403, ''],
    ['a 502 JSON body over 64 KiB (its raw start stands in for the detail)', 502, 'x'.repeat(70_000)],
    ['a 404 JSON body over 64 KiB', 404, 'x'.repeat(70_000)],
  ])('%s: not in the error', async (_name, status, trace) => {
    ctx.gateway.route((req, reply) =>
      reply.text(status, `{"detail":${escapedJson(`rejected ${req.headers.authorization}`)},"trace":"${trace}"}`, { 'content-type': 'application/json' }),
    );
    const { client } = clientFor(ctx.gateway, {}, OPAQUE);
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(LLMProviderError);
    expect(everyForm(error)).not.toContain('sEcReT');
  });

  it('a stream 200 that is not an event stream (its body quoted in the StreamError): not in the error', async () => {
    ctx.gateway.route((req, reply) => reply.text(200, `{"echo":${escapedJson(`Bearer ${req.token}`)}}`, { 'content-type': 'application/json' }));
    const { client } = clientFor(ctx.gateway, {}, OPAQUE);
    const error = await errorOf(client.chatStream$(hello));
    expect(error.type).toBe('not-event-stream');
    expect(everyForm(error)).not.toContain('sEcReT');
  });

  it('a malformed stream line quoting it: not in the warning', async () => {
    ctx.gateway.route((req, reply) => reply.sse([`data: {"echo":${escapedJson(`Bearer ${req.token}`)}\n\n`, { content: 'ok' }]));
    const warnings: string[] = [];
    const { client } = clientFor(ctx.gateway, { logger: { warn: (message: string) => warnings.push(message) } }, OPAQUE);
    const result = await record(client.chatStream$(hello));
    expect(result.values.map((c) => c.content)).toEqual(['ok']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('sEcReT');
  });

  it('text without the token keeps its escapes as they came', async () => {
    ctx.gateway.route((_req, reply) => reply.text(500, '{"detail":"caf\\u00e9 \\/ closed"}', { 'content-type': 'application/json' }));
    const { client } = clientFor(ctx.gateway, {}, OPAQUE);
    expect((await errorOf(client.chat$(hello))).message).toBe('Unexpected status 500: {"detail":"caf\\u00e9 \\/ closed"}');
  });
});

// '+' escaped by ASP.NET's encoder as \u002B, '/' by PHP's as \/; what precedes each is 20 characters of token.
const OPAQUE_CUT = 'AbCdEfGhIjKlMnOpQrSt+uVwXyZ0123456789/sEcReT==';
const escapedCut = JSON.stringify(OPAQUE_CUT).slice(1, -1).replace(/\+/g, '\\u002B').replace(/\//g, '\\/');

describe('a JSON error body that breaks off inside an escape of the token', () => {
  it.each([
    ['right after the u of \\u002B', escapedCut.indexOf('\\u002B') + 2],
    ['inside \\u002B', escapedCut.indexOf('\\u002B') + 4],
    ['before the last digit of \\u002B', escapedCut.indexOf('\\u002B') + 5],
    ['after the backslash of \\/', escapedCut.indexOf('\\/') + 1],
  ])('%s: no part of the token in the error', async (_name, cut) => {
    ctx.gateway.route(async (_req, reply) => {
      reply.head(500, { 'content-type': 'application/json' });
      await reply.write(`{"detail":"rejected Bearer ${escapedCut.slice(0, cut)}`);
      reply.drop();
    });
    const { client } = clientFor(ctx.gateway, {}, OPAQUE_CUT);
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(LLMProviderError);
    expect(error.message).toMatch(/^Unexpected status 500: \{"detail":"rejected Bearer /);
    expect(everyForm(error)).not.toContain(OPAQUE_CUT.slice(0, 12));
  });
});

describe('a password in a URL that does not parse', () => {
  const withPassword = 'http://user:pa55word@gateway.example.com:99999'; // port out of range: not a URL
  // And the usual reason such a URL fails to parse: a password holding a character that ends the authority.
  const rawInPassword = ['#', '/', '?'].map((c) => `http://user:pa55${c}word@gateway.example.com`);
  // And typos that leave no scheme to parse: the ':' left out, the scheme left out; and the whole scheme left
  // out, which parses as the scheme `user:` with no host.
  const typos = ['https//user:pa55word@gateway.example.com', '//user:pa55word@gateway.example.com', 'user:pa55word@gateway.example.com'];

  it.each([withPassword, ...rawInPassword, ...typos])('serverUrl %s: neither the error nor its cause shows it', (serverUrl) => {
    let thrown: unknown;
    try {
      new LlmGatewayClient({ serverUrl, token$: new BehaviorSubject('t') });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LLMProviderError);
    expect((thrown as Error).message).toMatch(/^serverUrl must be an http\(s\) URL/);
    expect(inspect(thrown, { depth: null })).not.toContain('pa55');
    expect(everyForm(thrown)).not.toContain('pa55');
  });

  it.each([
    [['gateway', '--upstream', `${withPassword}/v1`]],
    [['gateway', '--upstream', 'ftp://user:pa55word@127.0.0.1/v1']],
    [['chat', 'hi', '--server', withPassword]],
    [['chat', 'hi', '--server', rawInPassword[0]]],
    [['chat', 'hi', '--server', typos[0]]],
    [['gateway', '--upstream', `${typos[1]}/v1`]],
    [['chat', 'hi', '--server', typos[2]]],
    [['gateway', '--upstream', 'http://user:pa55/word@llm.example.com/v1']],
  ])('the CLI\'s usage error for %j does not show it', async (argv) => {
    const { out, cliIo } = memoryIo();
    expect(await main(argv, cliIo)).toBe(2);
    expect(out.stderr).toMatch(/must be an http\(s\) URL/);
    expect(out.stderr).not.toContain('pa55');
  });
});

describe('the dev gateway asked under a host name that is not a loopback one (DNS rebinding)', () => {
  let gateway: TestGateway;
  let upstream: TestGateway;
  beforeEach(async () => {
    upstream = await startTestGateway();
    upstream.route((_req, reply) => reply.json(200, { choices: [{ message: { content: 'paid answer' } }] }));
    // As `llm-gateway-rx gateway --upstream URL --upstream-key-env VAR` runs it.
    gateway = await startTestGateway({ auth: { loginWithoutToken: true }, record: false });
    gateway.route(forwardToOpenAi({ url: `${upstream.url}/api/v1/llm`, apiKey: 'sk-upstream-key' }));
  });
  afterEach(async () => {
    await gateway.close();
    await upstream.close();
  });

  /** A POST to the gateway with `Host: host`, as a browser sends it to a rebound name. */
  function post(path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${gateway.url}${path}`, { method: 'POST', agent: false, headers: { host, 'content-type': 'application/json', ...headers } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(hello));
    });
  }

  it('issues no dev token and forwards nothing upstream for Host: attacker.example', async () => {
    const port = new URL(gateway.url).port;
    const login = await post('/api/v1/auth/refresh', `attacker.example:${port}`);
    expect(login.status).toBe(403);
    expect(login.body).not.toContain('access_token');
    const token = gateway.issueToken();
    const chat = await post('/api/v1/llm/chat', `attacker.example:${port}`, { authorization: `Bearer ${token}` });
    expect(chat.status).toBe(403);
    expect(upstream.requests).toHaveLength(0);
  });

  it.each(['127.0.0.1', 'localhost', '[::1]'])('still answers a loopback Host (%s, any port: a dev server proxying to it)', async (name) => {
    const login = await post('/api/v1/auth/refresh', `${name}:4200`);
    expect(login.status).toBe(200);
    const { access_token: token } = JSON.parse(login.body) as { access_token: string };
    const chat = await post('/api/v1/llm/chat', name, { authorization: `Bearer ${token}` });
    expect(chat.status).toBe(200);
    expect(JSON.parse(chat.body)).toMatchObject({ content: 'paid answer' });
  });
});
