/**
 * The dev gateway (`llm-gateway-rx gateway`, a long-running service on a well-known port) must not buffer a
 * request body without bound: it read every body whole, before the auth check, so one unauthenticated POST
 * of ~600 MB made it throw ERR_STRING_TOO_LONG in a stream event handler and exit.
 */
import * as http from 'node:http';
import { startTestGateway, type TestGateway } from '../lib/testing';

let gateway: TestGateway;
let request: http.ClientRequest | undefined;

beforeEach(async () => {
  // As the CLI starts it: auth on (dev login allowed), no request log.
  gateway = await startTestGateway({ auth: { loginWithoutToken: true }, record: false });
});

afterEach(async () => {
  request?.destroy();
  await gateway.close();
});

/** POSTs `total` bytes to `path`, 1 MiB at a time; resolves with how many were handed over when the answer (or an error) came. */
function upload(url: string, total: number): Promise<{ status?: number; sent: number }> {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    let sent = 0;
    let settled = false;
    const settle = (status?: number) => {
      if (settled) return;
      settled = true;
      resolve({ status, sent });
    };
    request = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': String(total) } });
    request.on('response', (response) => {
      response.resume();
      settle(response.statusCode);
    });
    request.on('error', () => settle());
    const pump = () => {
      while (!settled && sent < total) {
        sent += chunk.length;
        if (!request!.write(chunk)) return void request!.once('drain', pump);
      }
      if (sent >= total) request!.end();
    };
    pump();
  });
}

it('answers a body over its bound (413) without reading it all, before any auth check', async () => {
  const total = 96 * 1024 * 1024;
  const { status, sent } = await upload(`${gateway.url}/api/v1/llm/chat`, total);
  if (status !== undefined) expect(status).toBe(413);
  expect(sent).toBeLessThan(total);
}, 20_000);
