/**
 * What a finished stream does with its connection: completing at [DONE] lets the response end, so the
 * keep-alive socket serves the next request (no new TCP handshake, the first chunk comes sooner); a server
 * that keeps the response open after [DONE] gets it cut after DRAIN_AFTER_DONE_MS; an unsubscribe still
 * closes it at once (see stream.spec.ts).
 */
import * as http from 'node:http';
import { Agent } from 'node:http';
import * as https from 'node:https';
import { Socket } from 'node:net';
import { DRAIN_AFTER_DONE_MS } from '../lib/stream-chunks';
import { clientFor, hello, record, useGateway } from './support/harness';

const ctx = useGateway();
const chunk = (content: string) => ({ content, model: 'm', tool_calls: [], usage: null, is_final: false });

describe('chatStream$ and keep-alive', () => {
  afterEach(() => jest.restoreAllMocks());

  it('reuses one connection for streams that end normally after [DONE]', async () => {
    // Count the connections the default client's agent opens.
    const connect = jest.spyOn(Agent.prototype, 'createConnection');
    ctx.gateway.route((_req, reply) => reply.sse([chunk('a'), chunk('b')]));
    const { client } = clientFor(ctx.gateway);
    for (let i = 0; i < 3; i++) {
      const result = await record(client.chatStream$(hello));
      expect(result.completed).toBe(true);
      expect(result.values.map((c) => c.content)).toEqual(['a', 'b']);
    }
    const requests = await ctx.gateway.waitForRequests(3);
    await Promise.all(requests.map((request) => request.closed));
    expect(requests.map((request) => request.abortedByClient)).toEqual([false, false, false]);
    expect(connect).toHaveBeenCalledTimes(1);
  });

  it('shares one connection pool among the default clients', async () => {
    const connect = jest.spyOn(Agent.prototype, 'createConnection');
    ctx.gateway.route((_req, reply) => reply.sse([chunk('a')]));
    for (let i = 0; i < 3; i++) expect((await record(clientFor(ctx.gateway).client.chatStream$(hello))).completed).toBe(true);
    await Promise.all((await ctx.gateway.waitForRequests(3)).map((request) => request.closed));
    expect(connect).toHaveBeenCalledTimes(1);
  });

  it('never changes a pooled socket\'s TCP keep-alive setting between requests (no setsockopt per request)', async () => {
    // axios sets 60 s on the socket of every request; an agent returning it to its pool with another delay
    // (Node's global agents: 1 s) makes both calls reach the kernel, every request.
    const setKeepAlive = jest.spyOn(Socket.prototype, 'setKeepAlive');
    ctx.gateway.route((_req, reply) => reply.sse([chunk('a')]));
    const { client } = clientFor(ctx.gateway);
    for (let i = 0; i < 3; i++) expect((await record(client.chatStream$(hello))).completed).toBe(true);
    await Promise.all((await ctx.gateway.waitForRequests(3)).map((request) => request.closed));
    expect(setKeepAlive.mock.calls.length).toBeGreaterThanOrEqual(3);
    expect(new Set(setKeepAlive.mock.calls.map(([enable, delay]) => `${enable} ${delay}`))).toEqual(new Set(['true 60000']));
  });

  it('completes at [DONE] at once, and closes a response the server keeps open after DRAIN_AFTER_DONE_MS', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([chunk('a')], { end: false }));
    const { client } = clientFor(ctx.gateway);
    const result = await record(client.chatStream$(hello));
    const completedAt = performance.now();
    expect(result.completed).toBe(true);
    const [request] = await ctx.gateway.waitForRequests(1);
    const closedAt = await request.closed;
    expect(request.abortedByClient).toBe(true);
    expect(closedAt - completedAt).toBeGreaterThanOrEqual(DRAIN_AFTER_DONE_MS - 50);
  });
});

describe('the default instance\'s agents', () => {
  /** createDefaultHttp from a fresh copy of its module (the agents are made once per module). */
  function freshDefaultHttp() {
    let made: import('axios').AxiosInstance | undefined;
    jest.isolateModules(() => {
      made = (require('../lib/default-http') as typeof import('../lib/default-http')).createDefaultHttp();
    });
    return made!;
  }

  it('are copies of the global ones, whatever options an app set on them (a CA, say), with axios\' delay', () => {
    const { options } = https.globalAgent as unknown as { options: Record<string, unknown> };
    const saved = options.ca;
    options.ca = 'app-ca';
    try {
      const agent = freshDefaultHttp().defaults.httpsAgent as unknown as { options: Record<string, unknown>; keepAliveMsecs: number };
      expect(agent).toBeInstanceOf(https.Agent);
      expect(agent).not.toBe(https.globalAgent);
      expect(agent.options.ca).toBe('app-ca');
      expect(agent.keepAliveMsecs).toBe(60_000);
    } finally {
      options.ca = saved;
    }
  });

  it('leave a global agent an app replaced (a proxy agent, say) in charge', () => {
    // The module itself, not an import's namespace copy, whose properties are read-only.
    const nodeHttp = require('node:http') as { globalAgent: http.Agent; Agent: typeof http.Agent };
    const original = nodeHttp.globalAgent;
    class ProxyAgent extends nodeHttp.Agent {}
    nodeHttp.globalAgent = new ProxyAgent({ keepAlive: true });
    try {
      expect(freshDefaultHttp().defaults.httpAgent).toBeUndefined();
    } finally {
      nodeHttp.globalAgent = original;
    }
  });
});
