/** textSoFar(): marble tests. */
import { TestScheduler } from 'rxjs/testing';
import { StreamChunk, StreamError, textSoFar } from '../lib';

const chunk = (content: string): StreamChunk => ({ content, model: 'm', toolCalls: [], isFinal: false });

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('textSoFar (marbles)', () => {
  it('emits the cumulative text, skipping chunks that add none', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const chunks = { a: chunk('Hel'), b: chunk('lo'), e: chunk(''), c: chunk(' you') };
      expectObservable(cold('-a-b-e-c-e|', chunks).pipe(textSoFar())).toBe('-x-y---z--|', { x: 'Hel', y: 'Hello', z: 'Hello you' });
    });
  });

  it('emits nothing for a stream without text', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-e-e|', { e: chunk('') }).pipe(textSoFar())).toBe('----|');
    });
  });

  it('starts from empty on each subscription', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const text$ = cold('-a|', { a: chunk('hi') }).pipe(textSoFar());
      expectObservable(text$).toBe('-x|', { x: 'hi' });
      expectObservable(text$, '---^').toBe('----x|', { x: 'hi' });
    });
  });

  it('passes errors through after the text so far', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const error = new StreamError('error-payload', 'upstream failed');
      expectObservable(cold('-a-#', { a: chunk('hi') }, error).pipe(textSoFar())).toBe('-x-#', { x: 'hi' }, error);
    });
  });
});
