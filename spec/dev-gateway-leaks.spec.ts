/**
 * The dev gateway (`llm-gateway-rx/testing`, `llm-gateway-rx gateway`) as a long-running service: what it keeps
 * per response and per request served.
 */
import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import * as http from 'node:http';
import { join } from 'node:path';
import { startTestGateway, type Reply, type TestGateway } from '../lib/testing';
import { forwardToOpenAi } from '../lib/testing/openai-upstream';

describe('forwarding to a client that stops reading', () => {
  let upstream: TestGateway;
  let gateway: TestGateway;
  let client: http.ClientRequest | undefined;

  beforeEach(async () => {
    upstream = await startTestGateway();
    gateway = await startTestGateway();
  });

  afterEach(async () => {
    client?.destroy();
    await gateway.close();
    await upstream.close();
  });

  it('keeps a constant number of abort listeners on the reply, however many writes wait for the socket', async () => {
    // 16 MB of deltas, more than the loopback socket buffers hold: most writes to the paused client pend.
    const delta = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'x'.repeat(4000) } }] })}\n\n`;
    upstream.route((_req, reply) => reply.sse([delta.repeat(4000)]));
    let forwarded: Reply | undefined;
    const forward = forwardToOpenAi({ url: `${upstream.url}/api/v1/llm/` });
    gateway.route((req, reply) => {
      forwarded = reply;
      return forward(req, reply);
    });

    const paused = new Promise<void>((resolve) => {
      client = http.request(`${gateway.url}/api/v1/llm/chat/stream`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      client.on('error', () => undefined);
      client.on('response', (response) => {
        response.pause(); // reads no more: the gateway's writes wait for a socket that does not drain
        resolve();
      });
      client.end(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
    });
    await paused;
    // The upstream answer has been read whole by the gateway, and every chunk handed to reply.write.
    const [upstreamRequest] = await upstream.waitForRequests(1);
    await upstreamRequest.closed;
    await new Promise((resolve) => setTimeout(resolve, 100));

    const signal = (forwarded as unknown as { signal: AbortSignal }).signal;
    expect(signal.aborted).toBe(false);
    // The gateway's own two (openReplies, the request record), and at most one for the writes: not one per
    // pending write (thousands here; Node warns at 11 with a MaxListenersExceededWarning).
    expect(getEventListeners(signal, 'abort').length).toBeLessThanOrEqual(3);
  });
});

describe('llm-gateway-rx gateway serving for a long time', () => {
  it('does not keep what it served: 200 requests of 200 KB conversations grow the heap by less than 10 MB', async () => {
    const script = join(__dirname, 'support', 'dev-gateway-memory.ts');
    const result = await new Promise<{ requests: number; heapGrowthBytes: number }>((resolve, reject) => {
      execFile(process.execPath, ['--expose-gc', '--import', 'tsx', script], { timeout: 60_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
      });
    });
    expect(result.requests).toBe(200);
    // Every request's headers and body kept in `gateway.requests`, which nobody reads there: ~40 MB here,
    // and without bound over days.
    expect(result.heapGrowthBytes).toBeLessThan(10 * 1024 * 1024);
  }, 70_000);
});
