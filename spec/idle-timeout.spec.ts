/** timeoutWhenSilent in virtual time: what counts as life on an event stream. */
import { TestScheduler } from 'rxjs/testing';
import { RequestTimeoutError } from '../lib';
import { timeoutWhenSilent } from '../lib/idle-timeout';

const bytes = (text: string) => new TextEncoder().encode(text);
const values = {
  d: bytes('data: {"content":"x"}\n\n'),
  p: bytes(': ping\n\n'),
  h: bytes('da'), // half a data line
  c: bytes(':'), // a comment, one byte at a time...
  k: bytes(' keep-alive'), // ...going on
  n: bytes('\n'),
};

function run(test: (helpers: Parameters<Parameters<TestScheduler['run']>[0]>[0]) => void) {
  new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(test);
}

describe('timeoutWhenSilent', () => {
  it('fails with phase first-byte when nothing arrives', () => {
    run(({ cold, expectObservable }) => {
      expectObservable(cold<Uint8Array>('-----|').pipe(timeoutWhenSilent(3))).toBe('---#', undefined, new RequestTimeoutError(3, 'first-byte'));
    });
  });

  it('restarts on each chunk of content and passes the bytes through', () => {
    run(({ cold, expectObservable }) => {
      expectObservable(cold('--d--d--d|', values).pipe(timeoutWhenSilent(3))).toBe('--d--d--d|', values);
    });
  });

  it('does not restart on keep-alive comments: phase idle', () => {
    run(({ cold, expectObservable }) => {
      const source = cold('d-p-p-p-p-p|', values);
      expectObservable(source.pipe(timeoutWhenSilent(5))).toBe('d-p-p#', values, new RequestTimeoutError(5, 'idle'));
    });
  });

  it('counts a trickle of content bytes as life, but not a trickled comment', () => {
    run(({ cold, expectObservable }) => {
      expectObservable(cold('h-h-h-h-h-n|', values).pipe(timeoutWhenSilent(3))).toBe('h-h-h-h-h-n|', values);
      expectObservable(cold('d-c-k-k-k-n|', values).pipe(timeoutWhenSilent(5))).toBe('d-c-k#', values, new RequestTimeoutError(5, 'idle'));
    });
  });

  it('unsubscribes from the body when it fires', () => {
    run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('------d|', values);
      expectObservable(source.pipe(timeoutWhenSilent(2))).toBe('--#', undefined, new RequestTimeoutError(2, 'first-byte'));
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });
});
