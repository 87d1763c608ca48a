/**
 * The benchmarks' gateway, run in its own process (forked): node:http on 127.0.0.1, answering as fast as it
 * can so the client is what gets measured. The request body picks the answer:
 *
 * - `POST /api/v1/llm/chat/stream`, model `bench`: `max_tokens` gateway events (synthetic, seeded), `[DONE]`,
 *   written with one `end()` per response.
 * - model `bench-bytes`: about `max_tokens` bytes of events, a 1 MiB block at a time, honouring backpressure.
 * - model `bench-hold`: one event, then the response stays open until the client goes away; the close is
 *   reported to the parent as `{ type: 'closed', id }` (`id` from the request's first message content).
 * - `POST /v1/chat/completions`: the same contents as OpenAI `chat.completion.chunk` events (openai-node).
 *
 * IPC: sends `{ type: 'listening', url }` once; answers `{ type: 'stats' }` with the connections opened so far,
 * and `{ type: 'ping' }` with `{ type: 'pong' }` (to know what one IPC hop costs).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { byteStreamBlock } from './byte-stream';
import { gatewayEvent, gatewayStream, openAiStream, STREAM_END } from './synthetic-stream';

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const bodies = new Map<string, Buffer>();
let connections = 0;

function cached(key: string, make: () => string): Buffer {
  let body = bodies.get(key);
  if (!body) bodies.set(key, (body = Buffer.from(make(), 'utf8')));
  return body;
}

function readJson(req: IncomingMessage): Promise<any> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(parts).toString('utf8') || '{}'));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

/** About `total` bytes of gateway events, then the final chunk and `[DONE]`, never outrunning the socket. */
function streamBytes(res: ServerResponse, total: number): void {
  const events = byteStreamBlock().bytes; // 1 MiB of whole events, written again and again
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      sent += events.length;
      if (!res.write(events)) return void res.once('drain', pump);
    }
    res.end(STREAM_END);
  };
  res.on('close', () => (sent = total + 1)); // the client went away: stop
  pump();
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  const count = Number(body.max_tokens ?? 10);
  if (req.url === '/v1/chat/completions') {
    res.writeHead(200, SSE_HEADERS);
    res.end(cached(`openai:${count}`, () => openAiStream(count)));
    return;
  }
  if (req.url !== '/api/v1/llm/chat/stream') {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"not found"}');
    return;
  }
  res.writeHead(200, SSE_HEADERS);
  switch (body.model) {
    case 'bench-bytes':
      streamBytes(res, count);
      break;
    case 'bench-hold': {
      const id = String(body.messages?.[0]?.content ?? '');
      res.on('close', () => process.send?.({ type: 'closed', id }));
      res.write(gatewayEvent('first', 'gpt-bench'));
      break;
    }
    default:
      res.end(cached(`gateway:${count}`, () => gatewayStream(count)));
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: String(error) }));
  });
});
server.keepAliveTimeout = 60_000;
server.on('connection', () => connections++);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'listening', url: `http://127.0.0.1:${port}` });
});
process.on('message', (message: { type: string }) => {
  if (message.type === 'stats') process.send?.({ type: 'stats', connections });
  if (message.type === 'ping') process.send?.({ type: 'pong' });
});
process.on('disconnect', () => process.exit(0));
