/**
 * Misbehaving servers at the HTTP/TCP level, written byte by byte on a raw `node:net` socket (things the
 * node:http loopback gateway cannot produce): an error answer that arrives while the request body is still
 * being sent, duplicated header lines, an error status whose body stalls; and a matrix of broken framing,
 * content encodings and odd heads over both axios adapters.
 */
import axios from 'axios';
import { Agent } from 'node:http';
import * as net from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { BehaviorSubject, Observable } from 'rxjs';
import {
  AuthenticationError,
  ConnectionError,
  LlmGatewayClient,
  LlmGatewayClientOptions,
  ResponseValidationError,
  StreamChunk,
  StreamError,
} from '../lib';
import { delay, errorOf, hello, record } from './support/harness';

/** A raw HTTP/1.1 server on 127.0.0.1: `onRequest` gets the socket once a request's head has arrived. */
interface RawServer {
  url: string;
  heads: string[];
  sockets: net.Socket[];
}

let servers: net.Server[] = [];
let sockets: net.Socket[] = [];

async function rawServer(onRequest: (socket: net.Socket, head: string) => void): Promise<RawServer> {
  const heads: string[] = [];
  const own: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    own.push(socket);
    socket.on('error', () => undefined);
    let buffered = '';
    let bodyLeft = 0;
    const onData = (data: Buffer) => {
      if (bodyLeft > 0) {
        const used = Math.min(bodyLeft, data.length);
        bodyLeft -= used;
        data = data.subarray(used);
        if (data.length === 0) return;
      }
      buffered += data.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.slice(0, end);
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      const rest = buffered.length - (end + 4);
      bodyLeft = Math.max(0, length - rest);
      buffered = '';
      heads.push(head);
      onRequest(socket, head);
    };
    socket.on('data', onData);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, heads, sockets: own };
}

afterEach(async () => {
  jest.restoreAllMocks();
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  servers = [];
  sockets = [];
});

const head = (status: string, headers: string[]) => `HTTP/1.1 ${status}\r\n${headers.join('\r\n')}\r\n\r\n`;
const fetchAxios = () => axios.create({ adapter: 'fetch' });

function clientOf(url: string, options: Partial<LlmGatewayClientOptions> = {}): LlmGatewayClient {
  return new LlmGatewayClient({ serverUrl: url, token$: new BehaviorSubject('token-0'), ...options });
}

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!condition() && Date.now() < until) await delay(10);
}

describe('an answer that arrives before the request body was all sent (http adapter)', () => {
  // More than the loopback socket buffers of both sides hold, so the upload is still going when the answer comes.
  const big = { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(32 * 1024 * 1024) }] };

  it.each([
    ['chat$', (client: LlmGatewayClient) => client.chat$(big) as Observable<unknown>],
    ['chatStream$', (client: LlmGatewayClient) => client.chatStream$(big) as Observable<unknown>],
  ])('%s: an early 413 fails the call, and the upload stops and the socket closes with it', async (_name, call) => {
    const connect = jest.spyOn(Agent.prototype, 'createConnection');
    const server = await rawServer((socket) => {
      // Answers from the head alone and reads no more of the body (an auth layer or a size limit in front of
      // the app), keeping the connection.
      socket.pause();
      const body = JSON.stringify({ detail: 'request too large' });
      socket.write(head('413 Payload Too Large', ['Content-Type: application/json', `Content-Length: ${body.length}`]) + body);
    });
    const error = await errorOf(call(clientOf(server.url)));
    expect(error.status).toBe(413);
    expect(connect).toHaveBeenCalledTimes(1);
    const socket = connect.mock.results[0].value as net.Socket;
    // The call is over: nothing may keep pushing its body at the server, nor hold the connection.
    await waitFor(() => socket.destroyed, 1000);
    expect(socket.destroyed).toBe(true);
  });
});

describe('duplicated Content-Type header lines on an event stream', () => {
  const stream = `data: ${JSON.stringify({ content: 'hi', model: 'm', tool_calls: [], usage: null, is_final: false })}\n\ndata: [DONE]\n\n`;

  it.each([
    ['http', undefined],
    ['fetch', fetchAxios],
  ])('streams over the %s adapter when both lines say text/event-stream', async (_adapter, makeAxios) => {
    const server = await rawServer((socket) => {
      socket.end(
        head('200 OK', ['Content-Type: text/event-stream', 'Content-Type: text/event-stream', `Content-Length: ${Buffer.byteLength(stream)}`]) + stream,
      );
    });
    const client = clientOf(server.url, makeAxios ? { axios: makeAxios() } : {});
    const result = await record(client.chatStream$(hello));
    expect(result.error).toBeUndefined();
    expect(result.values.map((chunk: StreamChunk) => chunk.content)).toEqual(['hi']);
  });
});

describe('an error status whose body stalls after the head', () => {
  /** Answers `status` with a body announced as 100 bytes, sends 10 of them, and then nothing (connection kept). */
  const stalledError = (status: string) => (socket: net.Socket) => {
    socket.write(head(status, ['Content-Type: application/json', 'Content-Length: 100']) + '{"detail":');
  };
  const answer = JSON.stringify({ content: 'ok', model: 'm', usage: { prompt_tokens: 1, completion_tokens: 1 }, tool_calls: [], latency_ms: 1 });

  it('a 401 still gets its refresh and re-send, well before the timeout', async () => {
    const server = await rawServer((socket, requestHead) => {
      if (/Bearer fresh/.test(requestHead)) socket.write(head('200 OK', ['Content-Type: application/json', `Content-Length: ${answer.length}`]) + answer);
      else stalledError('401 Unauthorized')(socket);
    });
    let refreshes = 0;
    const client = clientOf(server.url, { timeoutMs: 5000, refreshToken: async () => (refreshes++, 'fresh') });
    // (A timeout, 5 s, would be the result's error: here there is none.)
    const result = await record(client.chat$(hello));
    expect(result.error).toBeUndefined();
    expect(result.values.map((response) => response.content)).toEqual(['ok']);
    expect(refreshes).toBe(1);
  });

  it('a 401 on a stream with no refresh configured: AuthenticationError with its status, not a timeout', async () => {
    const server = await rawServer(stalledError('401 Unauthorized'));
    const client = clientOf(server.url, { timeoutMs: 5000 });
    const error = await errorOf(client.chatStream$(hello));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.status).toBe(401);
  });
});

describe('broken framing, encodings and odd heads, over both adapters: each a clear outcome, nothing passed off as whole', () => {
  const event = (content: string) => `data: ${JSON.stringify({ content, model: 'm', tool_calls: [], usage: null, is_final: false })}\n\n`;
  const whole = event('a') + 'data: [DONE]\n\n';
  const answer = JSON.stringify({ content: 'hello', model: 'm', usage: { prompt_tokens: 1, completion_tokens: 1 }, tool_calls: [], latency_ms: 1 });
  const sse = ['Content-Type: text/event-stream'];
  const json = ['Content-Type: application/json'];
  const withBody = (status: string, headers: string[], body: Buffer | string) =>
    Buffer.concat([Buffer.from(head(status, [...headers, `Content-Length: ${Buffer.byteLength(body)}`])), Buffer.from(body)]);
  const corrupt = (bytes: Buffer) => {
    bytes[20] ^= 0xff;
    bytes[21] ^= 0xff;
    return bytes;
  };
  type Outcome = { values: string[]; error?: new (...args: never[]) => Error; status?: number; type?: string };
  const rows: Array<[what: string, call: 'chat$' | 'chatStream$', answer: (socket: net.Socket) => void, outcome: Outcome]> = [
    ['an invalid chunk size after one event', 'chatStream$', (s) => s.write(head('200 OK', [...sse, 'Transfer-Encoding: chunked']) + `${Buffer.byteLength(event('a')).toString(16)}\r\n${event('a')}\r\nZZZ\r\nx\r\n`), { values: ['a'], error: ConnectionError, status: 200 }],
    ['the last chunk (0) in the middle of an event', 'chatStream$', (s) => { const part = event('a') + 'data: {"content":"b'; s.end(head('200 OK', [...sse, 'Transfer-Encoding: chunked']) + `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n0\r\n\r\n`); }, { values: ['a'], error: StreamError, type: 'truncated' }],
    ['a Content-Length shorter than the body', 'chatStream$', (s) => s.end(head('200 OK', [...sse, `Content-Length: ${Buffer.byteLength(event('a'))}`]) + whole), { values: ['a'], error: StreamError, type: 'truncated' }],
    ['a Content-Length shorter than the body', 'chat$', (s) => s.end(head('200 OK', [...json, 'Content-Length: 10']) + answer), { values: [], error: ResponseValidationError, status: 200 }],
    ['a Content-Length longer than the body, then close', 'chat$', (s) => s.end(head('200 OK', [...json, `Content-Length: ${answer.length + 10}`]) + answer), { values: [], error: ConnectionError, status: 200 }],
    ['an HTTP/1.0 body ended by close', 'chatStream$', (s) => s.end('HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\n' + whole), { values: ['a'] }],
    ['an HTTP/1.0 body ended by close', 'chat$', (s) => s.end('HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n' + answer), { values: ['hello'] }],
    ['gzip', 'chatStream$', (s) => s.end(withBody('200 OK', [...sse, 'Content-Encoding: gzip'], gzipSync(whole))), { values: ['a'] }],
    ['brotli', 'chatStream$', (s) => s.end(withBody('200 OK', [...sse, 'Content-Encoding: br'], brotliCompressSync(whole))), { values: ['a'] }],
    ['gzip', 'chat$', (s) => s.end(withBody('200 OK', [...json, 'Content-Encoding: gzip'], gzipSync(answer))), { values: ['hello'] }],
    ['corrupt gzip', 'chatStream$', (s) => s.end(withBody('200 OK', [...sse, 'Content-Encoding: gzip'], corrupt(gzipSync(event('a') + event('b') + 'data: [DONE]\n\n')))), { values: [], error: ConnectionError, status: 200 }],
    ['corrupt gzip', 'chat$', (s) => s.end(withBody('200 OK', [...json, 'Content-Encoding: gzip'], corrupt(gzipSync(answer)))), { values: [], error: ConnectionError, status: 200 }],
    ['a reset right after the head', 'chatStream$', (s) => s.write(head('200 OK', [...sse, 'Transfer-Encoding: chunked']), () => setTimeout(() => s.resetAndDestroy(), 20)), { values: [], error: ConnectionError, status: 200 }],
    ['a 103 Early Hints before the 200', 'chatStream$', (s) => { s.write('HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n'); setTimeout(() => s.end(withBody('200 OK', sse, whole)), 20); }, { values: ['a'] }],
    ['chunk extensions and trailers', 'chatStream$', (s) => s.end(head('200 OK', [...sse, 'Transfer-Encoding: chunked']) + `${Buffer.byteLength(whole).toString(16)};x=y\r\n${whole}\r\n0\r\nX-T: 1\r\n\r\n`), { values: ['a'] }],
    ['a header over the parser limit', 'chatStream$', (s) => s.end(withBody('200 OK', [...sse, `X-Big: ${'x'.repeat(100_000)}`], whole)), { values: [], error: ConnectionError }],
    ['a status line that is not HTTP', 'chat$', (s) => s.end('HELLO WORLD\r\n\r\n'), { values: [], error: ConnectionError }],
    ['a close with no answer', 'chat$', (s) => s.end(), { values: [], error: ConnectionError }],
  ];
  const cases = rows.flatMap(([what, call, answerWith, outcome]) =>
    (['http', 'fetch'] as const).map((adapter) => [`${call}, ${adapter} adapter: ${what}`, adapter, call, answerWith, outcome] as const),
  );

  it.each(cases)('%s', async (_name, adapter, call, answerWith, outcome) => {
    const server = await rawServer(answerWith);
    const client = clientOf(server.url, { timeoutMs: 5000, ...(adapter === 'fetch' ? { axios: fetchAxios() } : {}) });
    const result = await record<{ content: string }>(client[call](hello));
    expect(result.values.map((value) => value.content)).toEqual(outcome.values);
    if (!outcome.error) {
      expect(result.error).toBeUndefined();
      expect(result.completed).toBe(true);
      return;
    }
    expect(result.error).toBeInstanceOf(outcome.error);
    const error = result.error as { status?: number; type?: string; request?: unknown };
    expect(error.status).toBe(outcome.status ?? (outcome.error === StreamError ? 200 : undefined));
    if (outcome.type) expect(error.type).toBe(outcome.type);
    expect(error.request).toEqual({ method: 'POST', url: `${server.url}${call === 'chat$' ? '/api/v1/llm/chat' : '/api/v1/llm/chat/stream'}` });
  });
});
