/** The stream's idle timeout in virtual time: what counts as life on an event stream. */
import { SchedulerLike, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { RequestTimeoutError, StreamChunk } from '../lib';
import { silentLogger } from '../lib/logger';
import { parseStreamChunks } from '../lib/stream-chunks';
import { recordingScheduler } from './support/recording-scheduler';

const bytes = (text: string) => new TextEncoder().encode(text);
const values = {
  d: bytes('data: {"content":"x"}\n\n'),
  z: bytes('data: [DONE]\n\n'),
  p: bytes(': ping\n\n'),
  // An event trickled in pieces, none of them a whole line until the last.
  a: bytes('da'),
  b: bytes('ta: {"con'),
  e: bytes('tent":"x"}'),
  n: bytes('\n\n'),
  c: bytes(':'), // a comment, one byte at a time...
  k: bytes(' keep-alive'), // ...going on
  f: bytes('data: {"content":"x","is_final":true}\n\n'),
  o: new Uint8Array([0xef, 0xbb, 0xbf]), // the stream's byte order mark, alone in its chunk
};
const chunk: StreamChunk = { content: 'x', model: 'm', toolCalls: [], isFinal: false };

/** Runs `test` in virtual time; it passes the scheduler on to the operator, whose time the idle timeout reads. */
function run(test: (helpers: Parameters<Parameters<TestScheduler['run']>[0]>[0], scheduler: TestScheduler) => void) {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  scheduler.run((helpers) => test(helpers, scheduler));
}

const chunks = (idleTimeoutMs: number, scheduler: SchedulerLike) => parseStreamChunks({ model: 'm', logger: silentLogger, idleTimeoutMs, scheduler });

describe('parseStreamChunks({ idleTimeoutMs })', () => {
  it('fails with phase first-byte when nothing arrives', () => {
    run(({ cold, expectObservable }, scheduler) => {
      expectObservable(cold<Uint8Array>('-----|').pipe(chunks(3, scheduler))).toBe('---#', undefined, new RequestTimeoutError(3, 'first-byte'));
    });
  });

  it('restarts on each event, and stops at the end of the stream', () => {
    run(({ cold, expectObservable }, scheduler) => {
      expectObservable(cold('--d--d--d-z|', values).pipe(chunks(3, scheduler))).toBe('--x--x--x-|', { x: chunk });
    });
  });

  it('does not restart on keep-alive comments: phase idle', () => {
    run(({ cold, expectObservable }, scheduler) => {
      expectObservable(cold('d-p-p-p-p-p|', values).pipe(chunks(5, scheduler))).toBe('x----#', { x: chunk }, new RequestTimeoutError(5, 'idle'));
    });
  });

  it('counts a trickle of an event as life, but not a trickled comment', () => {
    run(({ cold, expectObservable }, scheduler) => {
      expectObservable(cold('a-b-e-n-z|', values).pipe(chunks(3, scheduler))).toBe('------x-|', { x: chunk });
      expectObservable(cold('d-c-k-k-k-n|', values).pipe(chunks(5, scheduler))).toBe('x----#', { x: chunk }, new RequestTimeoutError(5, 'idle'));
    });
  });

  it('does not count the leading byte order mark as life: phase first-byte', () => {
    run(({ cold, expectObservable }, scheduler) => {
      expectObservable(cold('o-p-p-p-p-p|', values).pipe(chunks(5, scheduler))).toBe('-----#', undefined, new RequestTimeoutError(5, 'first-byte'));
      expectObservable(cold('o-d-z|', values).pipe(chunks(3, scheduler))).toBe('--x-|', { x: chunk });
    });
  });

  it('completes instead when it fires after a chunk marked is_final, and unsubscribes from the body', () => {
    run(({ cold, expectObservable, expectSubscriptions }, scheduler) => {
      const source = cold('d-f-p-p-p-p-p|', values);
      expectObservable(source.pipe(chunks(3, scheduler))).toBe('x-y--|', { x: chunk, y: { ...chunk, isFinal: true } });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('unsubscribes from the body when it fires', () => {
    run(({ cold, expectObservable, expectSubscriptions }, scheduler) => {
      const source = cold('------d|', values);
      expectObservable(source.pipe(chunks(2, scheduler))).toBe('--#', undefined, new RequestTimeoutError(2, 'first-byte'));
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('has no limit without the option', () => {
    run(({ cold, expectObservable }, scheduler) => {
      const source = cold('----------------d-z|', values);
      expectObservable(source.pipe(parseStreamChunks({ model: 'm', logger: silentLogger }))).toBe('----------------x-|', { x: chunk });
    });
  });
});

describe('parseStreamChunks({ idleTimeoutMs }): the timer after the end', () => {
  it.each([
    ['completes at [DONE]', (body: Subject<Uint8Array>) => body.next(values.z)],
    ['fails', (body: Subject<Uint8Array>) => body.error(new Error('reset'))],
    ['is unsubscribed', () => undefined],
  ])('is cancelled when the stream %s: a left stream must not hold the process open for idleTimeoutMs', (_how, finish) => {
    const { scheduler, scheduled } = recordingScheduler();
    const body = new Subject<Uint8Array>();
    const subscription = body.pipe(chunks(30_000, scheduler)).subscribe({ error: () => undefined });
    body.next(values.d);
    expect(scheduled[0].closed).toBe(false); // the watch's timer
    finish(body);
    subscription.unsubscribe();
    expect(scheduled[0].closed).toBe(true);
  });
});
