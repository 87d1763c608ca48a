/**
 * Two gaps left by the escaped-spelling and unparseable-URL fixes (spec/security-review.spec.ts): a JSON error
 * body that breaks off inside an escape within the token, and a URL that does not parse because its password
 * holds a `/`, `?` or `#` typed as it is (the usual reason such a URL fails to parse).
 */
import { Readable } from 'node:stream';
import { BehaviorSubject } from 'rxjs';
import { LlmGatewayClient, LLMProviderError } from '../lib';
import type { CliIo } from '../lib/cli/cli-io';
import { main } from '../lib/cli/main';
import { clientFor, errorOf, hello, useGateway } from './support/harness';
import { everyForm } from './support/leak-check';

const ctx = useGateway();

// '+' escaped by ASP.NET's encoder as \u002B, '/' by PHP's as \/; what precedes each is 20 characters of token.
const OPAQUE = 'AbCdEfGhIjKlMnOpQrSt+uVwXyZ0123456789/sEcReT==';
const escaped = JSON.stringify(OPAQUE).slice(1, -1).replace(/\+/g, '\\u002B').replace(/\//g, '\\/');

describe('a JSON error body that breaks off inside an escape of the token', () => {
  it.each([
    ['inside \\u002B', escaped.indexOf('\\u002B') + 4],
    ['after the backslash of \\/', escaped.indexOf('\\/') + 1],
  ])('%s: no part of the token in the error', async (_name, cut) => {
    ctx.gateway.route(async (_req, reply) => {
      reply.head(500, { 'content-type': 'application/json' });
      await reply.write(`{"detail":"rejected Bearer ${escaped.slice(0, cut)}`);
      reply.drop();
    });
    const { client } = clientFor(ctx.gateway, {}, OPAQUE);
    const error = await errorOf(client.chat$(hello));
    expect(error).toBeInstanceOf(LLMProviderError);
    expect(error.message).toMatch(/^Unexpected status 500: \{"detail":"rejected Bearer /);
    expect(everyForm(error)).not.toContain(OPAQUE.slice(0, 12));
  });
});

describe('a URL that does not parse because its password holds a character that ends the authority', () => {
  it.each(['http://user:pa55#word@gateway.example.com', 'http://user:pa55/word@gateway.example.com', 'http://user:pa55?word@gateway.example.com'])(
    'serverUrl %s: not in the error',
    (serverUrl) => {
      let thrown: unknown;
      try {
        new LlmGatewayClient({ serverUrl, token$: new BehaviorSubject('t') });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(LLMProviderError);
      expect((thrown as Error).message).toMatch(/^serverUrl must be an http\(s\) URL/);
      expect(everyForm(thrown)).not.toContain('pa55');
    },
  );

  it.each([[['chat', 'hi', '--server', 'http://user:pa55#word@gateway.example.com']], [['gateway', '--upstream', 'http://user:pa55/word@llm.example.com/v1']]])(
    "the CLI's usage error for %j does not show it",
    async (argv) => {
      let stderr = '';
      const io: CliIo = {
        stdin: Readable.from([]),
        stdout: { write: () => true },
        stderr: { write: (text: string) => (stderr += text) },
        env: {},
        interrupted: new AbortController().signal,
      };
      expect(await main(argv, io)).toBe(2);
      expect(stderr).toMatch(/must be an http\(s\) URL/);
      expect(stderr).not.toContain('pa55');
    },
  );
});
