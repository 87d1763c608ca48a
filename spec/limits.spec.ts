/** Bounds on what a server can make the client hold: one SSE line, one /chat body. */
import axios from 'axios';
import { LLMProviderError, StreamError } from '../lib';
import { clientFor, delay, errorOf, hello, record, useGateway } from './support/harness';

const ctx = useGateway();
const SERVER_BOUND = 8 * 1024 * 1024;

/**
 * Routes every request to a 200 whose body starts with `start` and then never ends: 16 KiB more at a time
 * until the client goes away (or `SERVER_BOUND` bytes, a bound for the test). Tells how much was written.
 */
function endlessBody(contentType: string, start: string): { written: () => number } {
  let written = 0;
  ctx.gateway.route(async (_req, reply) => {
    reply.head(200, { 'content-type': contentType });
    await reply.write(start);
    const piece = 'x'.repeat(16 * 1024);
    while (!reply.aborted && written < SERVER_BOUND) {
      await reply.write(piece);
      written += piece.length;
    }
  });
  return { written: () => written };
}

describe('maxLineBytes', () => {
  it('fails a stream whose line grows past the bound, at the bound, and closes the socket', async () => {
    const limit = 64 * 1024;
    const body = endlessBody('text/event-stream', 'data: {"content":"');
    const { client } = clientFor(ctx.gateway, { maxLineBytes: limit });
    const result = await record(client.chatStream$(hello));
    expect(result.values).toEqual([]);
    expect(result.error).toBeInstanceOf(StreamError);
    expect((result.error as StreamError).type).toBe('line-too-long');
    expect((result.error as StreamError).message).toContain(String(limit));
    const [sent] = ctx.gateway.requests;
    await sent.closed;
    expect(sent.abortedByClient).toBe(true);
    // The client stopped reading near the bound, not at the server's.
    expect(body.written()).toBeLessThan(SERVER_BOUND);
  });

  it('fails a stream whose event gathers data lines past the bound and never ends, and closes the socket', async () => {
    let written = 0;
    ctx.gateway.route(async (_req, reply) => {
      reply.head(200, { 'content-type': 'text/event-stream' });
      const piece = `data: ${'x'.repeat(1018)}\n`.repeat(16); // 16 KiB of 1 KiB lines, never a blank line
      while (!reply.aborted && written < SERVER_BOUND) {
        await reply.write(piece);
        written += piece.length;
      }
    });
    const { client } = clientFor(ctx.gateway, { maxLineBytes: 64 * 1024 });
    const error = await errorOf(client.chatStream$(hello));
    expect(error).toBeInstanceOf(StreamError);
    expect(error.type).toBe('event-too-long');
    const [sent] = ctx.gateway.requests;
    await sent.closed;
    expect(sent.abortedByClient).toBe(true);
    expect(written).toBeLessThan(SERVER_BOUND);
  });

  it('accepts lines up to the bound', async () => {
    const content = 'y'.repeat(1000);
    ctx.gateway.route((_req, reply) => reply.sse([{ content }]));
    const line = `data: ${JSON.stringify({ content })}`;
    const { client } = clientFor(ctx.gateway, { maxLineBytes: Buffer.byteLength(line) });
    const result = await record(client.chatStream$(hello));
    expect(result.error).toBeUndefined();
    expect(result.values[0].content).toBe(content);
  });

  it('defaults to 1 MiB', async () => {
    ctx.gateway.route((_req, reply) => reply.sse([{ content: 'z'.repeat(1024 * 1024) }]));
    const { client } = clientFor(ctx.gateway);
    const error = await errorOf(client.chatStream$(hello));
    expect(error.type).toBe('line-too-long');
  });
});

describe('maxResponseBytes', () => {
  // The fetch adapter (what browsers use) ignores axios' maxContentLength: the bound must hold there too.
  describe.each([
    ['http adapter (Node)', undefined],
    ['fetch adapter (browsers)', () => axios.create({ adapter: 'fetch' })],
  ])('over the %s', (_name, makeAxios) => {
    const options = (maxResponseBytes: number) => ({ maxResponseBytes, ...(makeAxios ? { axios: makeAxios() } : {}) });

    it('fails a /chat body over the bound', async () => {
      ctx.gateway.route((_req, reply) => reply.json(200, { content: 'w'.repeat(200_000) }));
      const { client } = clientFor(ctx.gateway, options(100_000));
      const error = await errorOf(client.chat$(hello));
      expect(error).toBeInstanceOf(LLMProviderError);
      expect(error.message).toMatch(/maxResponseBytes \(100000 bytes\)/);
      expect(error.status).toBe(200);
    });

    it('stops reading at the bound and closes the socket, however long the body goes on', async () => {
      const answer = endlessBody('application/json', '{"content": "');
      const { client } = clientFor(ctx.gateway, options(100_000));
      const error = await errorOf(client.chat$(hello));
      expect(error.message).toMatch(/maxResponseBytes/);
      const [sent] = ctx.gateway.requests;
      await sent.closed;
      expect(sent.abortedByClient).toBe(true);
      expect(answer.written()).toBeLessThan(SERVER_BOUND);
    });

    it('accepts a body of exactly the bound', async () => {
      const body = JSON.stringify({ content: 'w'.repeat(50_000) });
      ctx.gateway.route((_req, reply) => reply.json(200, JSON.parse(body)));
      const { client } = clientFor(ctx.gateway, options(Buffer.byteLength(body)));
      const result = await record(client.chat$(hello));
      expect(result.error).toBeUndefined();
      expect(result.values[0].content).toHaveLength(50_000);
    });
  });

  it('closes the socket when chat$ is unsubscribed while its body is still arriving', async () => {
    endlessBody('application/json', '{"content": "');
    const { client } = clientFor(ctx.gateway, { maxResponseBytes: 64 * 1024 * 1024 });
    const subscription = client.chat$(hello).subscribe({ error: () => undefined });
    while (ctx.gateway.requests.length === 0) await delay(5);
    await delay(50);
    subscription.unsubscribe();
    const [sent] = ctx.gateway.requests;
    await sent.closed;
    expect(sent.abortedByClient).toBe(true);
  });
});
