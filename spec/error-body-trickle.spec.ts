/**
 * An error status whose body never ends but never falls silent either: a 401 answered as an event stream that
 * keeps the connection open with keep-alive comments (an SSE framework pings whatever the status). The status
 * is known from the head and the body only explains it, so reading it is bounded in all, not only between
 * bytes: the 401 still gets its refresh and re-send, rather than becoming a timeout.
 */
import { clientFor, hello, record, useGateway } from './support/harness';

const ctx = useGateway();

/** 401 as an event stream: an error event, then a keep-alive comment every 100 ms until the client leaves. */
function routeUnauthorizedPinging(): void {
  ctx.gateway.route(async (req, reply) => {
    if (req.token === 'fresh') return req.path.endsWith('/stream') ? void (await reply.sse([{ content: 'ok', is_final: true }])) : reply.json(200, { content: 'ok' });
    reply.head(401, { 'content-type': 'text/event-stream' });
    await reply.write('data: {"error": "token_expired"}\n\n');
    while (!reply.aborted) await Promise.all([reply.write(': ping\n\n'), new Promise((resolve) => setTimeout(resolve, 100))]);
  });
}

describe('an error status whose body keeps trickling', () => {
  it.each(['chatStream$', 'chat$'] as const)('%s: a 401 still gets its refresh and re-send, not a timeout', async (call) => {
    routeUnauthorizedPinging();
    let refreshes = 0;
    const { client } = clientFor(ctx.gateway, { timeoutMs: 8000, refreshToken: async () => (refreshes++, 'fresh') });
    const result = await record<{ content: string }>(client[call](hello));
    expect(result.error).toBeUndefined();
    expect(result.values.map((value) => value.content)).toEqual(['ok']);
    expect(refreshes).toBe(1);
  });
});
