/**
 * The built Angular app as production serves it: static files from one origin, with `/api/` passed through to
 * the gateway (as a reverse proxy in front of both would). Same origin means no CORS, and a client that goes
 * away is passed on too: when the browser closes its connection, the proxied request to the gateway is destroyed,
 * so the gateway sees its socket close just as it would without the proxy.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

/** A running app server on 127.0.0.1. */
export interface AppServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves `root` (an Angular `dist/browser`) and proxies `/api/` to `gatewayUrl`. Rejects if it cannot listen. */
export async function startAppServer(root: string, gatewayUrl: string): Promise<AppServer> {
  const server = createServer((req, res) => {
    if ((req.url ?? '/').startsWith('/api/')) proxy(req, res, gatewayUrl);
    else serveStatic(req, res, resolve(root));
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** Passes `req` on to the gateway at `gatewayUrl` and its answer back; a client that goes away is passed on too. */
export function proxy(req: IncomingMessage, res: ServerResponse, gatewayUrl: string): void {
  // agent: false — one upstream connection per request, so closing it is exactly what the gateway observes.
  const upstream = httpRequest(new URL(req.url ?? '/', gatewayUrl), { method: req.method, headers: req.headers, agent: false });
  upstream.on('response', (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

function serveStatic(req: IncomingMessage, res: ServerResponse, root: string): void {
  const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://app.invalid').pathname);
  const candidate = resolve(join(root, pathname));
  const inside = candidate === root || candidate.startsWith(root + sep);
  const isFile = inside && existsSync(candidate) && statSync(candidate).isFile();
  // Client-side routes (/about) have no file of their own: the app's index.html answers them.
  const file = isFile ? candidate : join(root, 'index.html');
  if (!inside || (!isFile && extname(pathname) !== '')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  createReadStream(file).pipe(res);
}
