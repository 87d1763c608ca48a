/** The JWT must never leak: not through errors, not through logs, not to another origin. */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Observable } from 'rxjs';
import { LLMProviderError } from '../lib';
import { clientFor, errorOf, hello, useGateway } from './support/harness';

const ctx = useGateway();
const SECRET = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.sEcReT-sig';

/** Every form of an error a user might log: message, stack, JSON, and the cause chain. */
function everyForm(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as Error & Record<string, unknown>;
    parts.push(String(e.message), String(e.stack), JSON.stringify(e), String(e));
    try {
      parts.push(JSON.stringify({ ...e }));
    } catch {
      parts.push('[circular]');
    }
    current = e.cause;
  }
  return parts.join('\n');
}

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
  });
});
