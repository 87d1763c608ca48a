/**
 * A long stream through `chatStream$` in its own process (run with --expose-gc): on `{ type: 'run', url,
 * bytes }` reads about that many bytes of events and answers with the peak RSS growth over the baseline taken
 * after a warm-up stream and a full GC (the kernel's peak where Linux gives it, else sampled), the heap after
 * GC at the end, and what it read (chunks and content length, checked by the caller).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { BehaviorSubject, lastValueFrom, tap } from 'rxjs';
import { LlmGatewayClient } from '../lib';
import type { BenchMessage } from './worker-process';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const messages = [{ role: 'user', content: 'bench' }];

/**
 * The kernel's own peak RSS (Linux `VmHWM`), reset to the current RSS: sampling RSS on a timer misses what
 * rises and falls between two samples (a young-generation GC cycle, a burst of socket buffers), so a sampled
 * "peak" reads low. Returns a reader of the peak since the reset, or undefined where /proc has no such knob.
 */
function resetPeakRss(): (() => number) | undefined {
  try {
    writeFileSync('/proc/self/clear_refs', '5'); // 5: reset the peak RSS to the current RSS
    return () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
  } catch {
    return undefined;
  }
}

async function measure(url: string, bytes: number) {
  const client = new LlmGatewayClient({ serverUrl: url, token$: new BehaviorSubject('t') });
  await lastValueFrom(client.chatStream$({ model: 'bench', messages, maxTokens: 1000 }));
  gc();
  gc();
  const baseline = process.memoryUsage();
  const kernelPeak = resetPeakRss();
  let peakRss = baseline.rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
  let events = 0;
  let contentLength = 0;
  const started = performance.now();
  await lastValueFrom(
    client.chatStream$({ model: 'bench-bytes', messages, maxTokens: bytes }).pipe(
      tap((chunk) => {
        events++;
        contentLength += chunk.content.length;
      }),
    ),
  );
  const ms = performance.now() - started;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const sampledPeak = peakRss;
  if (kernelPeak) peakRss = Math.max(peakRss, kernelPeak());
  gc();
  gc();
  const after = process.memoryUsage();
  return { ms, events, contentLength, baselineRss: baseline.rss, peakRss, rssGrowth: peakRss - baseline.rss, sampledGrowth: sampledPeak - baseline.rss, kernelPeak: kernelPeak !== undefined, heapBefore: baseline.heapUsed, heapAfterGc: after.heapUsed };
}

if (process.send) {
  process.on('message', (message: BenchMessage) => {
    if (message.type !== 'run') return;
    measure(String(message.url), Number(message.bytes)).then(
      (result) => process.send!({ type: 'result', ...result }),
      (error: unknown) => process.send!({ type: 'result', error: String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready' });
}
