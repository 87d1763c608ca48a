/**
 * zod keeps its settings (z.config: locale, customError) in ONE object on globalThis, shared by every copy of
 * zod in the process. An app that localises its own forms (`z.config(z.locales.de())`) or maps messages to
 * i18n keys (`z.config({ customError })`) must not change the library's ResponseValidationError messages: the
 * wire schemas promise "an English message", and the browser build (zod/mini + per-parse English messages)
 * keeps it whatever the app set. The Node build must too.
 */
import * as z from 'zod';
import { ResponseValidationError } from '../lib';
import * as node from '../lib/wire-schemas';
import * as browser from '../lib/wire-schemas.browser';
import { clientFor, errorOf, hello, useGateway } from './support/harness';

const ctx = useGateway();

/** Runs `body` with an app-wide zod setting, then puts zod's settings back as they were. */
async function withAppZodConfig<T>(setting: Parameters<typeof z.config>[0], body: () => Promise<T> | T): Promise<T> {
  const config = z.config();
  const saved = { localeError: config.localeError, customError: config.customError };
  z.config(setting);
  try {
    return await body();
  } finally {
    config.localeError = saved.localeError;
    config.customError = saved.customError;
  }
}

const ENGLISH = 'Invalid response from gateway at "content": Invalid input: expected string, received number';

describe.each([
  ['a German locale', () => z.locales.de()],
  ['a customError of its own', () => ({ customError: () => 'form.error.invalid' })],
])('an app that sets %s zod-wide', (_name, setting) => {
  it('still gets the English ResponseValidationError from chat$ (Node build)', async () => {
    ctx.gateway.route((_req, reply) => reply.json(200, { content: 5 }));
    const { client } = clientFor(ctx.gateway);
    const error = await withAppZodConfig(setting(), () => errorOf(client.chat$(hello)));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.message).toBe(ENGLISH);
  });

  it('gets the same message from the Node and the browser wire schemas', async () => {
    const message = (schema: node.WireSchema<unknown>) => {
      const result = schema.safeParse({ content: 5 });
      return result.success ? 'accepted' : result.error.issues[0].message;
    };
    const [fromNode, fromBrowser] = await withAppZodConfig(setting(), () => [message(node.chunkSchema), message(browser.chunkSchema)]);
    expect(fromNode).toBe(fromBrowser);
  });
});
