/**
 * Proxies: the default axios instance skips axios' per-request proxy lookup only when no proxy variable is set,
 * so a proxy configured through the environment is still used.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createDefaultHttp } from '../lib/default-http';
import { clientFor, hello, record, useGateway } from './support/harness';

const ctx = useGateway();

describe('proxy environment variables', () => {
  const saved = { ...process.env };
  let proxy: Server;
  let proxied: string[];
  beforeEach(async () => {
    proxied = [];
    // A forward proxy in miniature: it answers itself and records the absolute URL it was asked for.
    proxy = createServer((req, res) => {
      proxied.push(req.url ?? '');
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"content":"via proxy"}');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    process.env = { ...saved };
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  });

  function withoutProxyVariables(): void {
    for (const name of Object.keys(process.env)) if (/_proxy$/i.test(name)) delete process.env[name];
  }

  it('with none set, the default instance says "no proxy" once', () => {
    withoutProxyVariables();
    expect(createDefaultHttp().defaults.proxy).toBe(false);
  });

  it('with HTTP_PROXY set, requests go through that proxy', async () => {
    withoutProxyVariables();
    process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    expect(createDefaultHttp().defaults.proxy).toBeUndefined();
    ctx.gateway.route((_req, reply) => reply.json(200, { content: 'direct' }));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chat$(hello));
    expect(result.values[0].content).toBe('via proxy');
    expect(proxied).toEqual([`${ctx.gateway.url}/api/v1/llm/chat`]);
    expect(ctx.gateway.requests).toHaveLength(0);
  });
});
