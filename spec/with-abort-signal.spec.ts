/** withAbortSignal: the signal aborts work left unfinished, never work that has finished. */
import { firstValueFrom, take, lastValueFrom } from 'rxjs';
import { withAbortSignal } from '../lib/with-abort-signal';
import { useGateway } from './support/harness';

const ctx = useGateway();

describe('withAbortSignal', () => {
  it('does not abort a fetch whose Promise resolved, when firstValueFrom unsubscribes at its value', async () => {
    ctx.gateway.route((_req, reply) => reply.json(200, { content: 'whole body' }));
    let signal: AbortSignal | undefined;
    const response = await firstValueFrom(
      withAbortSignal((s) => {
        signal = s;
        return fetch(`${ctx.gateway.url}/api/v1/llm/chat`, { method: 'POST', body: '{}', signal: s });
      }),
    );
    // The request has finished (the Promise resolved): its body is still to be read.
    expect(signal?.aborted).toBe(false);
    expect(await response.json()).toEqual({ content: 'whole body' });
  });

  it('does not abort after a Promise resolved, when take(1) unsubscribes at its value', async () => {
    let signal: AbortSignal | undefined;
    await lastValueFrom(withAbortSignal((s) => ((signal = s), Promise.resolve('done'))).pipe(take(1)));
    expect(signal?.aborted).toBe(false);
  });

  it('does not abort after the work failed, when the failure ends the subscription', async () => {
    let signal: AbortSignal | undefined;
    const failure = new Error('refused');
    await expect(lastValueFrom(withAbortSignal((s) => ((signal = s), Promise.reject(failure))))).rejects.toBe(failure);
    expect(signal?.aborted).toBe(false);
  });

  it('still aborts a Promise left pending', async () => {
    let signal: AbortSignal | undefined;
    withAbortSignal((s) => ((signal = s), new Promise(() => undefined))).subscribe().unsubscribe();
    expect(signal?.aborted).toBe(true);
  });
});
