/**
 * `chat --server` with a user name or password in it: the client refuses such a URL (the token authenticates),
 * so the command line must refuse it as a usage error before anything is sent — not log in first (handing the
 * password to the server as Basic auth) and then fail as "any other LLMProviderError".
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { main } from '../lib/cli/main';
import { memoryIo } from './support/memory-io';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

describe('chat --server with credentials', () => {
  it('is a usage error: exit 2, one line without the password, nothing sent', async () => {
    const received: IncomingMessage[] = [];
    server = createServer((req, res) => {
      received.push(req);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'dev-token' }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const { out, cliIo: io } = memoryIo();
    const code = await main(['chat', 'hi', '--server', `http://me:hunter2-pw@127.0.0.1:${port}`], io);
    expect({ code, stdout: out.stdout, requests: received.length }).toEqual({ code: 2, stdout: '', requests: 0 });
    expect(out.stderr).toBe('llm-gateway-rx: --server must not carry a user name or password: the token authenticates (see --help)\n');
  });
});
