/**
 * The client itself in headless Chromium (the browser build, bundled from lib/ as the package makes it), where
 * the Angular example cannot reach: answers a browser's fetch hands over differently from Node's.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../lib/testing';
import { launchChromium } from './support/chromium';
import { startClientPage, type ClientPageServer } from './support/client-page';

let browser: Browser;
let gateway: TestGateway;
let server: ClientPageServer;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  gateway = await startTestGateway();
  server = await startClientPage(gateway.url);
});

afterAll(async () => {
  await server?.close();
  await gateway?.close();
  await browser?.close();
});

beforeEach(async () => {
  gateway.route(null);
  context = await browser.newContext();
  page = await context.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => (window as unknown as { llmReady?: boolean }).llmReady === true);
});

afterEach(async () => {
  await context?.close();
});

/** What a call of the client in the page ended with: its error's class, status and message, or its values. */
interface Outcome {
  error?: { name: string; status?: number; message: string };
  values?: unknown[];
}

/**
 * Runs `client[method](request)` in the page, against the page's own origin, with a retry policy of `retries`
 * re-sends, and reports how it ended.
 */
function callInPage(method: 'chat$' | 'chatStream$', retries = 0): Promise<Outcome> {
  return page.evaluate(
    ([method, retries]) =>
      new Promise<Outcome>((resolve) => {
        const { llm } = window as unknown as { llm: typeof import('../lib') & { rx: typeof import('rxjs') } };
        const client = new llm.LlmGatewayClient({
          serverUrl: location.origin,
          token$: new llm.rx.BehaviorSubject('a-page-token'),
          retry: { count: retries, baseDelayMs: 1 },
        });
        const values: unknown[] = [];
        const call = client[method].bind(client) as (request: import('../lib').LLMRequest) => import('rxjs').Observable<unknown>;
        call({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).subscribe({
          next: (value) => values.push(value),
          error: (error: { name: string; status?: number; message: string }) => resolve({ error: { name: error.name, status: error.status, message: error.message } }),
          complete: () => resolve({ values }),
        });
      }),
    [method, retries] as const,
  );
}

describe('a status without a body (Chromium hands a 204, 205 or 304 an empty body stream, not null)', () => {
  it.each([
    ['chat$', 204],
    ['chatStream$', 204],
    ['chatStream$', 205],
  ] as const)('%s maps a %d like any other status, not as a ConnectionError (which a retry policy would re-send)', async (method, status) => {
    gateway.route((_req, reply) => {
      reply.head(status);
      reply.end();
    });
    const sentBefore = gateway.requests.length;
    const { error } = await callInPage(method, 2);
    expect(error).toEqual({ name: 'LLMProviderError', status, message: `Unexpected status ${status}: ` });
    expect(gateway.requests.length - sentBefore).toBe(1);
  });
});
