/**
 * The library alone in a page, without Angular: lib/ bundled for the browser as the package's browser build is
 * made (each lib/x.browser.ts in place of lib/x.ts; rxjs, axios and zod bundled in, as a page gets them), served
 * from one origin that passes `/api/` through to a gateway, as production would. A test then drives the client
 * in the page itself (`page.evaluate`), where the angular-chat spec can only click the example's buttons.
 */
import { build } from 'esbuild';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { browserVariants } from '../../bench/browser-variants';
import { proxy } from './app-server';

/** The bundle's exports, as the page holds them on `window.llm`: the main entry, and rxjs as `rx`. */
const ENTRY = "export * from './lib/index'; export * as rx from 'rxjs';";

let bundle: Promise<string> | undefined;

/** The client bundled for the browser, once per test file. */
function clientBundle(): Promise<string> {
  bundle ??= build({
    stdin: { contents: ENTRY, resolveDir: join(__dirname, '../..'), loader: 'ts', sourcefile: 'page-entry.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    plugins: [browserVariants],
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0].text);
  return bundle;
}

/** A running page server on 127.0.0.1. */
export interface ClientPageServer {
  /** `http://127.0.0.1:PORT`: a page that loads the client onto `window.llm` (and sets `window.llmReady`). */
  readonly url: string;
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>;
}

/** Serves the page and the bundle, and proxies `/api/` to `gatewayUrl` (a client that goes away is passed on). */
export async function startClientPage(gatewayUrl: string): Promise<ClientPageServer> {
  const code = await clientBundle();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/api/')) {
      proxy(req, res, gatewayUrl);
    } else if (path === '/client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(code);
    } else {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<!doctype html><script type="module">import * as llm from "/client.js"; window.llm = llm; window.llmReady = true;</script>');
    }
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
