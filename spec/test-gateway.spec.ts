/**
 * The loopback gateway itself, driven by node's fetch and node:http (never by the library, so a library bug
 * cannot hide a gateway bug): routing, recording, the scripted model, SSE shaping, drops, auth and teardown.
 */
import { createHmac } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { RequestWaitError, startTestGateway, type TestGateway } from '../lib/testing';

let gateway: TestGateway;
afterEach(async () => {
  await gateway?.close();
});

const CHAT = '/api/v1/llm/chat';
const STREAM = '/api/v1/llm/chat/stream';
const REFRESH = '/api/v1/auth/refresh';
const body = { model: 'm1', messages: [{ role: 'system', content: 'be nice' }, { role: 'user', content: 'hi there' }] };

function post(path: string, payload: unknown = body, token?: string, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return fetch(gateway.url + path, { method: 'POST', headers, body: text, signal });
}

interface RawResponse {
  status: number;
  chunks: Buffer[];
  text: string;
  error?: NodeJS.ErrnoException;
}

/** One request over node:http, keeping the body chunks exactly as the socket delivered them. */
function rawPost(path: string): Promise<RawResponse> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status = 0;
    const done = (error?: NodeJS.ErrnoException): void =>
      resolve({ status, chunks, text: Buffer.concat(chunks).toString('utf8'), error });
    const req = httpRequest(gateway.url + path, { method: 'POST', agent: false }, (res) => {
      status = res.statusCode ?? 0;
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done());
      res.on('error', done);
    });
    req.on('error', done);
    req.end(JSON.stringify(body));
  });
}

/** Sends a raw HTTP request over a bare TCP socket; resolves with the socket's error code, or 'FIN' on a clean close. */
function tcpPost(path: string): Promise<string> {
  return new Promise((resolve) => {
    const url = new URL(gateway.url);
    const socket = connect(Number(url.port), url.hostname, () => {
      const payload = JSON.stringify(body);
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${payload.length}\r\n\r\n${payload}`);
    });
    socket.on('data', () => undefined);
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    socket.on('close', () => resolve('FIN'));
  });
}

function dataPayloads(streamText: string): unknown[] {
  return streamText
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe('routing and recording', () => {
  it('passes LLM requests to the handler and records headers, token and parsed body', async () => {
    gateway = await startTestGateway();
    gateway.route((req, reply) => reply.json(200, { seen: req.path }, { 'x-scripted': 'yes' }));
    const res = await fetch(gateway.url + CHAT + '?q=1', {
      method: 'POST',
      headers: { authorization: 'Bearer abc.def', 'x-trace': 't1', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-scripted')).toBe('yes');
    expect(await res.json()).toEqual({ seen: CHAT + '?q=1' });
    const [recorded] = gateway.requests;
    expect(recorded).toMatchObject({ seq: 1, method: 'POST', path: CHAT + '?q=1', token: 'abc.def', body });
    expect(recorded.headers['x-trace']).toBe('t1');
    expect(recorded.headers['content-type']).toBe('application/json');
  });

  it('keeps a body that is not JSON as raw text, and answers unknown paths 404 JSON', async () => {
    gateway = await startTestGateway();
    const res = await post('/elsewhere', 'not {json');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'not found' });
    expect(gateway.requests[0]).toMatchObject({ path: '/elsewhere', body: 'not {json', token: undefined });
  });

  it('turns a throwing handler into 500 with its message, and route(null) restores the scripted model', async () => {
    gateway = await startTestGateway({ model: { reply: 'scripted again' } });
    gateway.route(() => {
      throw new Error('handler blew up');
    });
    const failed = await post(CHAT);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ detail: 'handler blew up' });
    gateway.route(null);
    expect((await (await post(CHAT)).json()).content).toBe('scripted again');
  });

  it('waitForRequests resolves once enough arrived, and rejects on timeout or close', async () => {
    gateway = await startTestGateway();
    const two = gateway.waitForRequests(2);
    await (await post(CHAT)).text();
    await (await post(CHAT)).text();
    expect((await two).map((r) => r.seq)).toEqual([1, 2]);
    await expect(gateway.waitForRequests(3, 20)).rejects.toMatchObject({ reason: 'timeout', received: 2 });
    const pending = gateway.waitForRequests(3);
    await gateway.close();
    await expect(pending).rejects.toBeInstanceOf(RequestWaitError);
  });
});

describe('scripted model', () => {
  it('answers /chat with the wire JSON: echoed content, request model, word-count usage', async () => {
    gateway = await startTestGateway();
    const answer = await (await post(CHAT)).json();
    expect(answer).toMatchObject({ model: 'm1', tool_calls: [] });
    expect(answer.content).toContain('hi there');
    expect(answer.usage).toEqual({ prompt_tokens: 4, completion_tokens: answer.content.split(' ').length });
    expect(typeof answer.latency_ms).toBe('number');
  });

  it('streams the reply word by word, then a final usage chunk, then [DONE]', async () => {
    gateway = await startTestGateway({ model: { reply: (req) => `three words ${req.method}` } });
    const res = await post(STREAM);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = dataPayloads(await res.text());
    const chunk = { model: 'm1', tool_calls: [], usage: null, is_final: false };
    expect(events).toEqual([
      { ...chunk, content: 'three ' },
      { ...chunk, content: 'words ' },
      { ...chunk, content: 'POST' },
      { content: '', model: 'm1', tool_calls: [], is_final: true, usage: { prompt_tokens: 4, completion_tokens: 3 } },
      '[DONE]',
    ]);
  });
});

describe('SSE shaping', () => {
  it('uses the chosen line end, writes strings verbatim and omits [DONE] with done:false', async () => {
    gateway = await startTestGateway();
    gateway.route((_, reply) => reply.sse([{ a: 1 }, ': comment\r\n'], { eol: '\r\n', done: false }));
    expect(await (await post(STREAM)).text()).toBe('data: {"a":1}\r\n\r\n: comment\r\n');
    gateway.route((_, reply) => reply.sse([{ a: 1 }], { eol: '\r' }));
    expect(await (await post(STREAM)).text()).toBe('data: {"a":1}\r\rdata: [DONE]\r\r');
  });

  it('splitEvery writes the stream in byte pieces the client reads separately, cutting inside characters', async () => {
    gateway = await startTestGateway();
    gateway.route((_, reply) => reply.sse([{ content: 'héllo wörld €!' }], { splitEvery: 3 }));
    const { chunks, text } = await rawPost(STREAM);
    expect(text).toBe('data: {"content":"héllo wörld €!"}\n\ndata: [DONE]\n\n');
    expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(Buffer.byteLength(text) / 3));
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(3);
    expect(chunks.some((c) => c.toString('utf8').includes('\uFFFD'))).toBe(true);
    // 40 bytes for the first event, so one piece straddles the boundary between the two events.
    expect(chunks.some((c) => c.toString('latin1').includes('\nd'))).toBe(true);
  });

  it('end:false leaves the stream open until the client aborts, which is recorded', async () => {
    gateway = await startTestGateway();
    gateway.route((_, reply) => reply.sse([{ content: 'first' }], { end: false, done: false }));
    const abort = new AbortController();
    const res = await post(STREAM, body, undefined, abort.signal);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: {"content":"first"}\n\n');
    const [recorded] = await gateway.waitForRequests(1);
    expect(recorded.closedAt).toBeUndefined();
    abort.abort();
    await reader.read().catch(() => undefined);
    expect(await within(recorded.closed, 1000)).toBe(recorded.closedAt);
    expect(recorded.abortedByClient).toBe(true);
  });

  it('drop() resets the connection: the client gets ECONNRESET, and it is not a client abort', async () => {
    gateway = await startTestGateway();
    gateway.route(async (req, reply) => {
      if (req.path !== STREAM) return reply.drop();
      reply.head(200, { 'content-type': 'text/event-stream' });
      await reply.write('data: {"content":"partial"}\n\n');
      reply.drop();
    });
    expect(await tcpPost(STREAM)).toBe('ECONNRESET');
    expect(await tcpPost('/api/v1/llm/other')).toBe('ECONNRESET');
    await expect(post(STREAM).then((res) => res.text())).rejects.toThrow();
    const recorded = await gateway.waitForRequests(3);
    await within(Promise.all(recorded.map((r) => r.closed)), 1000);
    expect(recorded.map((r) => r.abortedByClient)).toEqual([false, false, false]);
  });
});

describe('auth', () => {
  it('refuses missing, forged and time-expired tokens with 401 before the handler, and records them', async () => {
    gateway = await startTestGateway({ auth: { tokenTtlMs: 1 } });
    const handled: number[] = [];
    gateway.route((req, reply) => {
      handled.push(req.seq);
      reply.json(200, {});
    });
    const expired = gateway.issueToken();
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const token of [undefined, 'a.b.c', expired]) {
      const res = await post(CHAT, body, token);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ detail: 'token expired' });
    }
    expect(gateway.requests).toHaveLength(3);
    expect(handled).toEqual([]);
  });

  it('issues real HS256 JWTs with sub, iat, exp and jti', async () => {
    gateway = await startTestGateway({ auth: { secret: 's3cret' } });
    const [header, payload, signature] = gateway.issueToken().split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'dev', jti: expect.any(String) });
    expect(claims.exp - claims.iat).toBeGreaterThanOrEqual(15 * 60 - 1);
    expect(signature).toBe(createHmac('sha256', 's3cret').update(`${header}.${payload}`).digest('base64url'));
  });

  it('tokenTtlRequests:1 expires a token after one request; refresh issues a working one', async () => {
    gateway = await startTestGateway({ auth: { tokenTtlRequests: 1 } });
    const first = gateway.issueToken();
    expect((await post(CHAT, body, first)).status).toBe(200);
    expect((await post(CHAT, body, first)).status).toBe(401);
    const refreshed = await (await post(REFRESH, {}, first)).json();
    expect((await post(CHAT, body, refreshed.access_token)).status).toBe(200);
    const viaBody = await (await post(REFRESH, { token: refreshed.access_token })).json();
    expect((await post(STREAM, body, viaBody.access_token)).status).toBe(200);
    expect((await post(REFRESH, {}, 'forged.token.here')).status).toBe(401);
    expect(gateway.refreshCount).toBe(3);
  });

  it('with auth off accepts any token and refresh just issues one', async () => {
    gateway = await startTestGateway();
    expect((await post(CHAT, body, 'anything')).status).toBe(200);
    expect((await post(CHAT)).status).toBe(200);
    const refreshed = await (await post(REFRESH, {})).json();
    expect(refreshed.access_token.split('.')).toHaveLength(3);
    expect(gateway.refreshCount).toBe(1);
  });
});

describe('teardown', () => {
  it('records a fetch aborted mid-stream as abortedByClient within 1 s', async () => {
    gateway = await startTestGateway({ model: { reply: 'a '.repeat(200), wordDelayMs: 20 } });
    const abort = new AbortController();
    const reader = (await post(STREAM, body, undefined, abort.signal)).body!.getReader();
    await reader.read();
    abort.abort();
    await reader.read().catch(() => undefined);
    const [recorded] = await gateway.waitForRequests(1);
    const closedAt = await within(recorded.closed, 1000);
    expect(closedAt).toBeGreaterThanOrEqual(recorded.receivedAt);
    expect(recorded.abortedByClient).toBe(true);
  });

  it('resolves closed for completed requests on a kept-alive socket without calling them aborts', async () => {
    gateway = await startTestGateway();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (): Promise<boolean> =>
      new Promise((resolve) => {
        const req = httpRequest(gateway.url + CHAT, { method: 'POST', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(req.reusedSocket));
        });
        req.end(JSON.stringify(body));
      });
    try {
      expect([await send(), await send()]).toEqual([false, true]);
      const [one, two] = gateway.requests;
      await within(Promise.all([one.closed, two.closed]), 1000);
      expect([one.abortedByClient, two.abortedByClient]).toEqual([false, false]);
    } finally {
      agent.destroy();
    }
  });

  it('close() cuts open stalls, is idempotent, and the port stops answering', async () => {
    gateway = await startTestGateway();
    gateway.route((_, reply) => reply.head(200));
    const stalled = rawPost(STREAM);
    const [recorded] = await gateway.waitForRequests(1);
    const closing = gateway.close();
    expect(gateway.close()).toBe(closing);
    await closing;
    await gateway.close();
    expect((await stalled).error).toBeDefined();
    await within(recorded.closed, 1000);
    expect(recorded.abortedByClient).toBe(false);
    await expect(post(CHAT)).rejects.toThrow();
  });
});
