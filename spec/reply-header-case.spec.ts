/**
 * `reply.json` / `reply.text` take headers that override their defaults. HTTP header names are
 * case-insensitive, and tests write them either way ('Content-Type' as often as 'content-type'): an override
 * in another case must replace the default, not be sent next to it (the client keeps the first Content-Type,
 * and refuses a response with two Content-Length headers).
 */
import { request as httpRequest } from 'node:http';
import { startTestGateway, type TestGateway } from '../lib/testing';

let gateway: TestGateway;
afterEach(async () => {
  await gateway?.close();
});

interface Answer {
  status?: number;
  rawHeaders: string[];
  text: string;
  error?: string;
}

/** POSTs to the chat route over node:http (no keep-alive), keeping the raw header lines. */
function post(): Promise<Answer> {
  return new Promise((resolve) => {
    const req = httpRequest(`${gateway.url}/api/v1/llm/chat`, { method: 'POST', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, rawHeaders: res.rawHeaders, text }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ rawHeaders: [], text: '', error: error.code ?? String(error) }));
    req.end('{}');
  });
}

/** The values of header `name` (any case) as they were on the wire. */
function values(answer: Answer, name: string): string[] {
  const found: string[] = [];
  for (let i = 0; i < answer.rawHeaders.length; i += 2) {
    if (answer.rawHeaders[i].toLowerCase() === name) found.push(answer.rawHeaders[i + 1]);
  }
  return found;
}

it('json() with a Content-Type override in another case sends that one Content-Type only', async () => {
  gateway = await startTestGateway();
  gateway.route((_, reply) => reply.json(422, { detail: 'bad' }, { 'Content-Type': 'application/problem+json' }));
  const answer = await post();
  expect(answer.status).toBe(422);
  expect(values(answer, 'content-type')).toEqual(['application/problem+json']);
  expect(JSON.parse(answer.text)).toEqual({ detail: 'bad' });
});

it('text() with a Content-Length in another case is still a response the client can read', async () => {
  gateway = await startTestGateway();
  gateway.route((_, reply) => reply.text(200, 'hi', { 'Content-Length': '2', 'Content-Type': 'text/html' }));
  const answer = await post();
  expect(answer.error).toBeUndefined();
  expect(answer.text).toBe('hi');
  expect(values(answer, 'content-length')).toEqual(['2']);
  expect(values(answer, 'content-type')).toEqual(['text/html']);
});
