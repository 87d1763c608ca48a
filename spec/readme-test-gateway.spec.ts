/**
 * The README's "Integration tests over HTTP" example runs as written: it is read out of README.md, its imports
 * given to it, and run against the real test gateway it starts (and closes). A README edit that breaks it (an
 * unsubscribed client, a renamed option) fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as rxjs from 'rxjs';
import * as ts from 'typescript';
import * as library from '../lib';
import * as testing from '../lib/testing';

/** The README's ```ts block that starts a test gateway. */
function readmeExample(): string {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]).find((code) => code.includes('startTestGateway({'));
  if (!block) throw new Error('README.md has no ```ts block that calls startTestGateway({');
  return block;
}

// The example closes its gateway at its end; one that fails before must not leave it open (jest would hang).
const started: testing.TestGateway[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((gateway) => gateway.close()));
});

it('the README example of the test gateway runs as written: a 503, a re-send, the answer, two requests', async () => {
  const code = readmeExample();
  // Its one import is the testing entry; the client, its operators and rxjs are what a reader of that section
  // already has in scope from the sections before.
  expect(code).toContain("import { startTestGateway } from 'llm-gateway-rx/testing';");
  const body = ts.transpileModule(code.replace(/^import .*$/gm, ''), { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
  const scope: Record<string, unknown> = {
    startTestGateway: async (options?: testing.TestGatewayOptions) => {
      const gateway = await testing.startTestGateway(options);
      started.push(gateway);
      return gateway;
    },
    BehaviorSubject: rxjs.BehaviorSubject,
    lastValueFrom: rxjs.lastValueFrom,
    LlmGatewayClient: library.LlmGatewayClient,
    accumulate: library.accumulate,
  };
  const names = Object.keys(scope);
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<unknown>;
  const run = new AsyncFunction(...names, `${body}\nreturn { answer, gateway, first };`);
  const { answer, gateway, first } = (await run(...names.map((name) => scope[name]))) as {
    answer: library.LLMResponse;
    gateway: testing.TestGateway;
    first: { status?: number; abortedByClient: boolean };
  };
  expect(answer.content).toBe('Héllo');
  expect(gateway.requests).toHaveLength(2);
  expect(first.abortedByClient).toBe(false);
});
