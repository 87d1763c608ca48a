/**
 * `npm run demo [prompt]`: starts the embedded dev gateway on a free loopback port, then asks it twice through
 * the client — a one-line title with chat$, and the answer streamed with chatStream$. The gateway's token
 * expires after one request, so the stream request gets a 401 and you see the client refresh and go on.
 */
import { BehaviorSubject, lastValueFrom, tap } from 'rxjs';
import { LlmGatewayClient, StreamChunk } from '../lib';
import { startTestGateway } from '../lib/testing';

const prompt = process.argv.slice(2).join(' ') || 'What does an RxJS client for an LLM gateway do?';

const ANSWER =
  'An RxJS client turns each gateway call into a cold Observable. Nothing is sent until you subscribe, ' +
  'tokens arrive as a stream you can map, filter and render, and unsubscribing aborts the HTTP request. ' +
  'When the JWT expires, one shared refresh serves every request that was waiting, and each is sent again.';

// `npm run demo | head -3`: once the reader has gone, stop quietly (as the CLI does) instead of a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
});

async function main(): Promise<void> {
  const gateway = await startTestGateway({
    auth: { tokenTtlRequests: 1 },
    model: { wordDelayMs: 25, reply: (req) => (req.path.endsWith('/stream') ? ANSWER : 'Streaming answers, the RxJS way') },
  });
  const dim = (text: string) => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[0m` : text);
  const token$ = new BehaviorSubject(gateway.issueToken());
  const client = new LlmGatewayClient({
    serverUrl: gateway.url,
    token$,
    refreshToken: async () => {
      const response = await fetch(`${gateway.url}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token$.value}` },
      });
      const { access_token } = (await response.json()) as { access_token: string };
      return access_token;
    },
    logger: {
      warn: (message) => console.warn(dim(`[warn] ${message}`)),
      debug: (message) => process.stdout.write(dim(`\n[auth] ${message}\n`)),
    },
  });
  const messages = [{ role: 'user', content: prompt }];
  console.log(dim(`dev gateway on ${gateway.url}\n`));
  console.log(`> ${prompt}`);

  const title = await lastValueFrom(client.chat$({ model: 'scripted', messages }));
  console.log(`\n# ${title.content}`);

  const started = performance.now();
  let firstChunkMs = 0;
  let last: StreamChunk | undefined;
  await lastValueFrom(
    client.chatStream$({ model: 'scripted', messages }).pipe(
      tap((chunk) => {
        if (!firstChunkMs) firstChunkMs = performance.now() - started;
        if (chunk.usage) last = chunk;
        process.stdout.write(chunk.content);
      }),
    ),
  );
  const totalMs = performance.now() - started;
  const usage = last?.usage ?? { promptTokens: 0, completionTokens: 0 };
  console.log(
    dim(
      `\n\nusage: ${usage.promptTokens} prompt + ${usage.completionTokens} completion tokens` +
        ` | first chunk after ${firstChunkMs.toFixed(1)} ms (including the refresh) | total ${totalMs.toFixed(0)} ms` +
        ` | refreshes: ${gateway.refreshCount}`,
    ),
  );
  await gateway.close();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
