/**
 * Tool calls streamed by an upstream that will not stop: the forwarding gateway holds every call until `[DONE]`,
 * so what it holds is bounded, and deciding whether a call is whole (when a fragment brings another id, as
 * vLLM's gpt-oss streaming does on every fragment) scans each fragment once instead of re-parsing all so far.
 */
import { from, lastValueFrom } from 'rxjs';
import { GatewayError, StreamError } from '../lib';
import { startTestGateway, type TestGateway } from '../lib/testing';
import { forwardToOpenAi } from '../lib/testing/openai-upstream';
import { translateOpenAiStream } from '../lib/testing/openai-stream-translator';
import { clientFor, hello, record } from './support/harness';

const fragment = (id: string, fn: object) =>
  JSON.stringify({ model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id, type: 'function', function: fn }] } }] });

describe('translateOpenAiStream, a call whose every fragment carries a new id', () => {
  it('reads the arguments a bounded number of times, not once per fragment', async () => {
    const fragments = 2000;
    const events = [fragment('call_0', { name: 'write_file', arguments: '{"text":"' })];
    for (let i = 1; i < fragments; i++) events.push(fragment(`call_${i}`, { arguments: 'abcdefgh' }));
    events.push(fragment('call_end', { arguments: '"}' }), '[DONE]');
    // What JSON.parse is given from the arguments (the events' own payloads start with '{"model"').
    let argumentChars = 0;
    const parse = JSON.parse;
    const spy = jest.spyOn(JSON, 'parse').mockImplementation((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
      if (text.startsWith('{"text"')) argumentChars += text.length;
      return parse(text, reviver);
    });
    try {
      const final = await lastValueFrom(from(events).pipe(translateOpenAiStream('m')));
      const text = (final.tool_calls[0].arguments as { text: string }).text;
      expect(final.tool_calls).toHaveLength(1);
      expect(text).toHaveLength((fragments - 1) * 8);
      // Once per fragment would be ~2000 × 8,000 characters on average; linear work is a few times the text.
      expect(argumentChars).toBeLessThan(4 * text.length);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('forwarding a tool call that never ends', () => {
  let upstream: TestGateway;
  let gateway: TestGateway;

  beforeEach(async () => {
    upstream = await startTestGateway();
    gateway = await startTestGateway();
    gateway.route(forwardToOpenAi({ url: `${upstream.url}/api/v1/llm/` }));
  });

  afterEach(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('fails the stream once the held tool calls pass 16 MiB, and closes the upstream request', async () => {
    const piece = 'x'.repeat(64 * 1024);
    const stopAfter = 24 * 1024 * 1024; // a safety stop for the fake model; the gateway should give up first
    let sent = 0;
    upstream.route(async (_, reply) => {
      reply.head(200, { 'content-type': 'text/event-stream' });
      await reply.write(`data: ${fragment('call_1', { name: 'f', arguments: '{"a":"' })}\n\n`);
      for (; sent < stopAfter && !reply.aborted; sent += piece.length) {
        await reply.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] } }] })}\n\n`);
      }
      reply.end(); // never a [DONE]
    });
    const result = await record(clientFor(gateway).client.chatStream$(hello));
    // Tool calls make no chunk. Before the gateway's first ping (a second in) the failure is a 502; after it (a
    // slow run: coverage instrumentation, a loaded machine) the answer has started, and it is an error event.
    expect(result.values).toEqual([]);
    const error = result.error as GatewayError | StreamError;
    expect(error instanceof GatewayError || (error instanceof StreamError && error.type === 'error-payload')).toBe(true);
    expect(error.detail).toMatch(/upstream tool calls exceed 16777216 characters/);
    const [request] = upstream.requests;
    await request.closed;
    expect(request.abortedByClient).toBe(true);
    expect(sent).toBeLessThan(stopAfter);
  });
});
