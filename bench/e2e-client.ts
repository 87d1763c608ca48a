/**
 * One end-to-end client in its own process (so its peak RSS is its own): `node e2e-client.mjs <kind>`. On
 * `{ type: 'run', url, events }` it reads one stream of that many events from the bench gateway and answers
 * `{ type: 'result', ms, events, contentLength }`; on `{ type: 'rss' }` it answers its peak RSS in bytes.
 *
 * Each client lives in its own module (./e2e-clients), imported dynamically before `ready`: a process loads
 * only its own client's libraries. Imported statically, every process carried all of them (axios, openai,
 * eventsource-parser, rxjs, zod and the library: ~36 MB of RSS over bare node), so the RSS column measured the
 * same bundle five times, whichever client ran.
 */
import type { E2eClient } from './e2e-clients/request';
import type { BenchMessage } from './worker-process';

const CLIENTS: Record<string, () => Promise<{ run: E2eClient }>> = {
  ours: () => import('./e2e-clients/ours'),
  'fetch-esp': () => import('./e2e-clients/fetch-esp'),
  'axios-naive': () => import('./e2e-clients/axios-naive'),
  'http-naive': () => import('./e2e-clients/http-naive'),
  openai: () => import('./e2e-clients/openai'),
};

if (process.send) {
  const kind = process.argv[2];
  CLIENTS[kind]().then(({ run }) => {
    process.on('message', (message: BenchMessage) => {
      if (message.type === 'run') {
        const started = performance.now();
        run(String(message.url), Number(message.events)).then(
          (contentLength) => process.send!({ type: 'result', ms: performance.now() - started, contentLength }),
          (error: unknown) => process.send!({ type: 'result', error: String(error) }),
        );
      } else if (message.type === 'rss') {
        process.send!({ type: 'rss', maxRss: process.resourceUsage().maxRSS * 1024 });
      }
    });
    process.on('disconnect', () => process.exit(0));
    process.send!({ type: 'ready' });
  });
}
