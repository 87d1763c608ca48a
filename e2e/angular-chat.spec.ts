/**
 * The Angular example (examples/angular, built by `npm run example:angular` from the packed library) in
 * headless Chromium, against the dev gateway on loopback: the answer streams into the page, a 401 mid-session
 * refreshes once, Stop and navigating away abort the request, and gateway errors reach the page. The app is
 * built from the package's browser build (the `browser` condition), which is what these tests exercise.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestGateway, type RecordedRequest, type TestGateway, type TestGatewayOptions } from '../lib/testing';
import { startAppServer, type AppServer } from './support/app-server';
import { launchChromium } from './support/chromium';

const APP_ROOT = join(__dirname, '../examples/angular/dist/browser');
const OUTPUT = join(__dirname, '../test-results/e2e');
const ANSWER =
  'An RxJS client turns each gateway call into a cold Observable. Nothing is sent until you subscribe, ' +
  'tokens arrive as a stream you can render as they come, and unsubscribing aborts the HTTP request.';
/** Long enough to be mid-stream for seconds: Stop and navigation land while the gateway is still writing. */
const LONG_ANSWER = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');

let browser: Browser;
let gateway: TestGateway;
let app: AppServer;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (!existsSync(join(APP_ROOT, 'index.html'))) {
    throw new Error(`No built example at ${APP_ROOT}: run npm run example:angular first`);
  }
  mkdirSync(OUTPUT, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await context?.close();
  await app?.close();
  await gateway?.close();
});

/** A gateway with `options`, the app in front of it, and a page open on the chat holding a valid dev token. */
async function openApp(options: TestGatewayOptions): Promise<void> {
  gateway = await startTestGateway({ auth: {}, ...options });
  app = await startAppServer(APP_ROOT, gateway.url);
  context = await browser.newContext({ viewport: { width: 900, height: 640 } });
  // What a login would have left behind: the app's AuthService reads its first token from sessionStorage.
  await context.addInitScript((token) => sessionStorage.setItem('llm-gateway-jwt', token), gateway.issueToken());
  page = await context.newPage();
  await page.goto(app.url);
  await page.getByTestId('ask').waitFor();
}

/** Records every text the answer box shows, in the page itself, so no render is missed between polls. */
async function recordAnswerTexts(): Promise<void> {
  await page.evaluate(() => {
    const box = document.querySelector('[data-testid="answer"]')!;
    const texts: string[] = [];
    (window as unknown as { answerTexts: string[] }).answerTexts = texts;
    new MutationObserver(() => {
      const text = box.textContent ?? '';
      if (texts[texts.length - 1] !== text) texts.push(text);
    }).observe(box, { subtree: true, childList: true, characterData: true });
  });
}

const answerTexts = () => page.evaluate(() => (window as unknown as { answerTexts: string[] }).answerTexts);
const answerText = () => page.getByTestId('answer').innerText();
const waitForPhase = (phase: string) => page.getByTestId('status').filter({ hasText: new RegExp(`^${phase}$`) }).waitFor();
const streamRequests = () => gateway.requests.filter((r) => r.path === '/api/v1/llm/chat/stream');

/** Resolves when the gateway saw the request's response torn down; fails the test after 5 s instead of hanging. */
async function closedWithin5s(request: RecordedRequest): Promise<void> {
  const timedOut = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000).unref());
  expect(await Promise.race([request.closed.then(() => 'closed'), timedOut])).toBe('closed');
}

/** Waits until the gateway has sent at least `words` words and the page shows at least that many. */
async function waitForWords(words: number): Promise<void> {
  await page.waitForFunction((n) => (document.querySelector('[data-testid="answer"]')?.textContent ?? '').split(' ').length > n, words);
}

it('was built from the package\'s browser build, not the Node one', () => {
  const bundle = readdirSync(APP_ROOT)
    .filter((name) => name.endsWith('.js'))
    .map((name) => readFileSync(join(APP_ROOT, name), 'utf8'))
    .join('\n');
  expect(bundle).toContain('LLM gateway'); // the library is in it...
  expect(bundle).not.toMatch(/_proxy|process\.env/); // ...without lib/default-http.ts (proxy variables)
  expect(bundle).not.toContain('{"content": "'); // ...nor lib/chunk-fast-path.ts
});

it('streams the answer into the page token by token', async () => {
  await openApp({ model: { reply: ANSWER, wordDelayMs: 30 } });
  await recordAnswerTexts();
  await page.getByTestId('ask').click();
  await waitForPhase('done');

  expect(await answerText()).toBe(ANSWER);
  const texts = await answerTexts();
  const partials = texts.filter((text) => text.length > 0 && text !== ANSWER && ANSWER.startsWith(text));
  expect(partials.length).toBeGreaterThanOrEqual(3);
  expect(texts[texts.length - 1]).toBe(ANSWER);
  await page.screenshot({ path: join(OUTPUT, 'streamed-answer.png') });
});

it('refreshes the token once on a 401 mid-session and still delivers the answer', async () => {
  // Each token is good for one request: the second question meets a 401.
  await openApp({ auth: { tokenTtlRequests: 1 }, model: { reply: ANSWER, wordDelayMs: 5 } });
  await page.getByTestId('ask').click();
  await waitForPhase('done');
  expect(gateway.refreshCount).toBe(0);

  await page.getByTestId('ask').click();
  await waitForPhase('done');
  expect(await answerText()).toBe(ANSWER);
  expect(gateway.refreshCount).toBe(1);
  const [first, expired, retried] = streamRequests();
  expect(expired.token).toBe(first.token);
  expect(retried.token).not.toBe(first.token);
  expect(gateway.requests.map((r) => r.path)).toEqual([
    '/api/v1/llm/chat/stream',
    '/api/v1/llm/chat/stream',
    '/api/v1/auth/refresh',
    '/api/v1/llm/chat/stream',
  ]);
});

it('Stop aborts the request, even while the gateway is silent, and no more text appears', async () => {
  await openApp({});
  gateway.route(async (_req, reply) => {
    reply.head(200, { 'content-type': 'text/event-stream' });
    for (let i = 0; i < 5; i++) {
      await reply.write(`data: ${JSON.stringify({ content: `word${i} `, model: 'demo-model', is_final: false })}\n\n`);
    }
    // ...then a stalled upstream: the abort must not wait for another chunk to arrive.
  });
  await page.getByTestId('ask').click();
  await waitForWords(4);
  await page.getByTestId('stop').click();
  const [request] = streamRequests();
  await closedWithin5s(request);
  expect(request.abortedByClient).toBe(true);

  const stoppedAt = await answerText();
  expect(stoppedAt).toBe('word0 word1 word2 word3 word4 ');
  await page.waitForTimeout(300);
  expect(await answerText()).toBe(stoppedAt);
  await waitForPhase('stopped');
});

it('Stop mid-stream leaves the text where it was', async () => {
  await openApp({ model: { reply: LONG_ANSWER, wordDelayMs: 40 } });
  await page.getByTestId('ask').click();
  await waitForWords(3);
  await page.getByTestId('stop').click();
  const [request] = streamRequests();
  await closedWithin5s(request);
  expect(request.abortedByClient).toBe(true);

  const stoppedAt = await answerText();
  await page.waitForTimeout(500);
  expect(await answerText()).toBe(stoppedAt);
  expect(stoppedAt.length).toBeLessThan(LONG_ANSWER.length);
});

it('navigating away aborts the request', async () => {
  await openApp({ model: { reply: LONG_ANSWER, wordDelayMs: 40 } });
  await page.getByTestId('ask').click();
  await waitForWords(3);
  await page.getByTestId('nav-about').click();
  await page.getByTestId('about').waitFor();
  const [request] = streamRequests();
  await closedWithin5s(request);
  expect(request.abortedByClient).toBe(true);

  // Back on the chat page: a fresh page, nothing from the old stream trickles in.
  await page.getByTestId('nav-chat').click();
  await page.getByTestId('ask').waitFor();
  await page.waitForTimeout(300);
  expect(await answerText()).toBe('');
  expect(streamRequests()).toHaveLength(1);
});

it('shows a gateway error in the page', async () => {
  await openApp({});
  gateway.route((_req, reply) => reply.json(502, { detail: 'upstream model overloaded' }));
  await page.getByTestId('ask').click();
  await waitForPhase('failed');
  const error = await page.getByTestId('error').innerText();
  expect(error).toContain('GatewayError');
  expect(error).toContain('upstream model overloaded');
});

it('a redirect is not followed, and the error says so (a browser reports it as an opaque status 0)', async () => {
  await openApp({});
  gateway.route((_req, reply) => reply.text(307, 'moved', { location: 'http://127.0.0.1:9/elsewhere' }));
  await page.getByTestId('ask').click();
  await waitForPhase('failed');
  expect(await page.getByTestId('error').innerText()).toContain('Redirect not followed');
  expect(streamRequests()).toHaveLength(1);
});

it('shows an error that arrives mid-stream, keeping the text already streamed', async () => {
  await openApp({});
  const chunk = (content: string) => ({ content, model: 'demo-model', tool_calls: [], usage: null, is_final: false });
  gateway.route((_req, reply) =>
    reply.sse([chunk('Half '), chunk('an '), chunk('answer'), { error: 'upstream_failed', detail: 'provider went away' }], {
      delayMs: 20,
      done: false,
    }),
  );
  await page.getByTestId('ask').click();
  await waitForPhase('failed');
  expect(await page.getByTestId('error').innerText()).toContain('provider went away');
  expect(await answerText()).toBe('Half an answer');
});
