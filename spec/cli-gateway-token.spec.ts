/**
 * fetchGatewayToken (the CLI's dev login and refresh) against a refresh endpoint scripted with node:http: the
 * answers it takes a token from, and what its errors may show. The test gateway's own refresh endpoint cannot
 * be scripted, hence a server of its own here.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthenticationError } from '../lib';
import { fetchGatewayToken } from '../lib/cli/gateway-token';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server answering every request with `handler`; resolves with its base URL and the requests it saw. */
async function serve(handler: Handler): Promise<{ url: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const answer = (status: number, body: string, headers: Record<string, string> = {}): Handler => (_req, res) => res.writeHead(status, headers).end(body);
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    (value) => {
      throw new Error(`resolved with ${String(value)}`);
    },
    (error: unknown) => error as AuthenticationError,
  );

describe('fetchGatewayToken', () => {
  it('takes the access_token of a 200, presenting the current token', async () => {
    const { url, seen } = await serve(answer(200, '{"access_token": "fresh"}'));
    expect(await fetchGatewayToken(url, 'stale')).toBe('fresh');
    expect(seen[0].headers.authorization).toBe('Bearer stale');
    expect(seen[0].url).toBe('/api/v1/auth/refresh');
  });

  it.each([201, 203])('refuses a %i, even one carrying an access_token (only a 200 is an issued token)', async (status) => {
    const { url } = await serve(answer(status, '{"access_token": "fresh"}'));
    const error = await failureOf(fetchGatewayToken(url, 'stale'));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.status).toBe(status);
  });

  it('refuses an empty access_token: "no access_token in the answer"', async () => {
    const { url } = await serve(answer(200, '{"access_token": ""}'));
    const error = await failureOf(fetchGatewayToken(url, 'stale'));
    expect(error.message).toContain('(no access_token in the answer)');
  });

  it('never shows the token a failing endpoint echoes back, and cuts its detail to 200 characters', async () => {
    const { url } = await serve((req, res) => res.writeHead(401).end(JSON.stringify({ detail: `refused ${req.headers.authorization} ${'x'.repeat(300)}` })));
    const error = await failureOf(fetchGatewayToken(url, 'secret-jwt-value'));
    expect(error.message).not.toContain('secret-jwt-value');
    expect(error.message).toBe(`Token refresh at ${url}/api/v1/auth/refresh failed (status 401: ${`refused Bearer [redacted] ${'x'.repeat(300)}`.slice(0, 200)})`);
  });

  it('says how to pass a token only to a dev login (no current token) that fails', async () => {
    const { url } = await serve(answer(403, '{"detail": "dev logins are off"}'));
    expect((await failureOf(fetchGatewayToken(url))).message).toContain('pass a JWT with --token-env VAR');
    expect((await failureOf(fetchGatewayToken(url, 'stale'))).message).not.toContain('--token-env');
  });

  it('follows no redirect: the current token never reaches where it points', async () => {
    const elsewhere = await serve(answer(200, '{"access_token": "from-elsewhere"}'));
    const { url } = await serve(answer(307, '', { location: `${elsewhere.url}/api/v1/auth/refresh` }));
    const error = await failureOf(fetchGatewayToken(url, 'stale'));
    expect(error.status).toBe(307);
    expect(elsewhere.seen).toHaveLength(0);
  });
});
