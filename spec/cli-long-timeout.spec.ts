/**
 * `chat --timeout S` with S past the longest timer node keeps (2^31 − 1 ms, about 24.8 days): "practically
 * never" must not become "after 1 ms" for the dev login and the token refresh, as it already does not for the
 * request itself (the client caps its timers).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { main } from '../lib/cli/main';
import { memoryIo } from './support/memory-io';

let server: Server | undefined;
const timers = new Set<NodeJS.Timeout>();

afterEach(async () => {
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** Answers a token request a little later than at once: a timer that fired "after 1 ms" has gone off by then. */
function answerSoon(res: ServerResponse, token: string): void {
  const timer = setTimeout(() => {
    timers.delete(timer);
    json(res, 200, { access_token: token });
  }, 100);
  timers.add(timer);
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    req.resume().on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('chat --timeout longer than the longest timer', () => {
  it('3,000,000 s: the dev login and the refresh after a 401 wait for their answer (no RequestTimeoutError at once)', async () => {
    const url = await listen((req, res) => {
      const auth = req.headers.authorization;
      if (req.url === '/api/v1/auth/refresh') return answerSoon(res, auth ? 'second-token' : 'first-token');
      if (auth !== 'Bearer second-token') return json(res, 401, { detail: 'token expired' });
      json(res, 200, { content: 'answered', model: 'm', usage: { prompt_tokens: 1, completion_tokens: 1 } });
    });
    const { out, cliIo: io } = memoryIo();
    const code = await main(['chat', 'hi', '--server', url, '--no-stream', '--timeout', '3000000'], io);
    expect(out.stderr).not.toContain('RequestTimeoutError');
    expect({ code, stdout: out.stdout }).toEqual({ code: 0, stdout: 'answered\n' });
  });
});
