/**
 * A 401 that arrives after a refresh failed, while a newer refresh is in flight: it joins that refresh, as
 * every other 401 of the moment does, rather than failing with the superseded failure.
 */
import { AuthenticationError } from '../lib';
import type { RecordedRequest } from '../lib/testing';
import { clientFor, delay, hello, record, useGateway } from './support/harness';

const ctx = useGateway();
const ask = (content: string) => ({ ...hello, messages: [{ role: 'user', content }] });
const nameOf = (req: RecordedRequest) => (req.body as { messages: Array<{ content: string }> }).messages[0].content;

describe('a 401 while a refresh is in flight, after an earlier one failed', () => {
  it('joins the refresh in flight and is re-sent with its token, not failed with the earlier failure', async () => {
    // V is sent with T0 and its 401 held back. A's 401 starts refresh 1, which fails. W, sent after that
    // failure, gets 401 and starts refresh 2. V's 401 then arrives while refresh 2 is in flight.
    let releaseV: () => void = () => undefined;
    const vHeld = new Promise<void>((resolve) => (releaseV = resolve));
    ctx.gateway.route(async (req, reply) => {
      if (req.token === 'T2') return reply.json(200, { content: `${nameOf(req)} ok` });
      if (nameOf(req) === 'V') await vHeld;
      reply.json(401, {});
    });
    let refreshes = 0;
    let finishSecond: (token: string) => void = () => undefined;
    const refreshToken = () =>
      ++refreshes === 1 ? Promise.reject(new Error('refresh endpoint down')) : new Promise<string>((resolve) => (finishSecond = resolve));
    const { client } = clientFor(ctx.gateway, { refreshToken }, 'T0');

    const v = record(client.chat$(ask('V')));
    await ctx.gateway.waitForRequests(1);
    expect((await record(client.chat$(ask('A')))).error).toBeInstanceOf(AuthenticationError);
    const w = record(client.chat$(ask('W')));
    while (refreshes < 2) await delay(5);
    releaseV();
    await ctx.gateway.requests.find((r) => nameOf(r) === 'V')!.closed;
    // V's 401 is handled now (failed at once before the fix); give it the time to be, then finish refresh 2.
    await Promise.race([v, delay(200)]);
    finishSecond('T2');

    expect((await w).values.map((r) => r.content)).toEqual(['W ok']);
    const vResult = await v;
    expect(vResult.error).toBeUndefined();
    expect(vResult.values.map((r) => r.content)).toEqual(['V ok']);
    expect(refreshes).toBe(2);
    expect(ctx.gateway.requests.filter((r) => nameOf(r) === 'V').map((r) => r.token)).toEqual(['T0', 'T2']);
  });
});
