/**
 * Many concurrent `chatStream$` subscriptions from one process: on `{ type: 'run', url, streams, events }`
 * opens them all at once and answers when every one has completed (or one failed) with the total time, the
 * events and completions counted, and the peak RSS.
 */
import { BehaviorSubject } from 'rxjs';
import { LlmGatewayClient } from '../lib';
import type { BenchMessage } from './worker-process';

const messages = [{ role: 'user', content: 'bench' }];

function measure(url: string, streams: number, events: number) {
  const client = new LlmGatewayClient({ serverUrl: url, token$: new BehaviorSubject('t') });
  return new Promise<{ ms: number; events: number; completed: number; failed: number; firstError?: string }>((resolve) => {
    let received = 0;
    let completed = 0;
    let failed = 0;
    let firstError: string | undefined;
    const started = performance.now();
    const settle = () => {
      if (completed + failed === streams) resolve({ ms: performance.now() - started, events: received, completed, failed, firstError });
    };
    for (let i = 0; i < streams; i++) {
      client.chatStream$({ model: 'bench', messages, maxTokens: events }).subscribe({
        next: () => received++,
        error: (error: unknown) => {
          failed++;
          firstError ??= String(error);
          settle();
        },
        complete: () => {
          completed++;
          settle();
        },
      });
    }
  });
}

if (process.send) {
  process.on('message', (message: BenchMessage) => {
    if (message.type !== 'run') return;
    measure(String(message.url), Number(message.streams), Number(message.events)).then((result) =>
      process.send!({ type: 'result', ...result, maxRss: process.resourceUsage().maxRSS * 1024 }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready' });
}
