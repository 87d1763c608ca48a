/**
 * parseStreamChunks (what chatStream$ runs on the body's bytes) in marble tests: the same chunks, completion
 * and errors as parseSseEvents + toStreamChunks, and what it does with the source after [DONE] (lets the
 * body end, for the keep-alive connection) versus after an unsubscribe or an error (cuts it at once).
 */
import { Observable, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { StreamError } from '../lib/errors';
import { StreamChunk } from '../lib/protocol';
import { parseSseEvents } from '../lib/parse-sse-events';
import { DRAIN_AFTER_DONE_MS, parseStreamChunks, toStreamChunks } from '../lib/stream-chunks';
import { recordingScheduler } from './support/recording-scheduler';

const encoder = new TextEncoder();
const logger = { warn: jest.fn() };
const options = { model: 'req-model', logger };

function event(content: string, extra = ''): Uint8Array {
  return encoder.encode(`data: {"content": ${JSON.stringify(content)}, "model": "m"${extra}}\n\n`);
}
function chunk(content: string, isFinal = false): StreamChunk {
  return { content, model: 'm', toolCalls: [], isFinal };
}
const done = encoder.encode('data: [DONE]\n\n');

describe('parseStreamChunks', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    logger.warn.mockReset();
  });

  it('emits what parseSseEvents + toStreamChunks emit, chunk for chunk, and completes at [DONE]', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const values = { a: event('Hel'), b: encoder.encode('data: {"content": "lo", "model"'), c: encoder.encode(': "m"}\n\ndata: oops\n\n'), d: done };
      const expected = { x: chunk('Hel'), y: chunk('lo') };
      expectObservable(cold('-a-b-c-d-|', values).pipe(parseStreamChunks(options))).toBe('-x---y-|', expected);
      expectObservable(cold('-a-b-c-d-|', values).pipe(parseSseEvents(), toStreamChunks(options))).toBe('-x---y-|', expected);
    });
    expect(logger.warn).toHaveBeenCalledTimes(2); // the malformed line, once per pipeline
  });

  it('after [DONE], stays subscribed to the body until it ends, so the response can end normally', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-d--e--|', { a: event('x'), d: done, e: event('ignored') });
      expectObservable(source.pipe(parseStreamChunks(options))).toBe('-x-|', { x: chunk('x') });
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it('after [DONE], cuts a body that does not end within DRAIN_AFTER_DONE_MS', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-d-', { a: event('x'), d: done });
      expectObservable(source.pipe(parseStreamChunks(options))).toBe('-x-|', { x: chunk('x') });
      expectSubscriptions(source.subscriptions).toBe(`^-- ${DRAIN_AFTER_DONE_MS}ms !`);
    });
  });

  it('unsubscribes from the body at once when unsubscribed mid-stream', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-a-a-a-|', { a: event('x') });
      expectObservable(source.pipe(parseStreamChunks(options)), '^---!').toBe('-x-x', { x: chunk('x') });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('fails at once, and leaves the body, on an error payload', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-e-a-|', { a: event('x'), e: encoder.encode('data: {"error": "upstream_failed", "detail": "boom"}\n\n') });
      expectObservable(source.pipe(parseStreamChunks(options))).toBe('-x-#', { x: chunk('x') }, new StreamError('error-payload', 'boom'));
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('fails with truncated when the body ends without [DONE] or a final chunk, and accepts one after a final chunk', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const truncated = new StreamError('truncated', 'Stream ended without [DONE]: the answer may be incomplete');
      expectObservable(cold('-a-|', { a: event('x') }).pipe(parseStreamChunks(options))).toBe('-x-#', { x: chunk('x') }, truncated);
      expectObservable(cold('-a-|', { a: event('x', ', "is_final": true') }).pipe(parseStreamChunks(options))).toBe('-x-|', { x: chunk('x', true) });
    });
  });

  it('reports nothing from events after [DONE] in the same bytes', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const bytes = encoder.encode('data: [DONE]\n\ndata: {not json\n\ndata: {"error": "late"}\n\n');
      expectObservable(cold('-a-|', { a: bytes }).pipe(parseStreamChunks(options))).toBe('-|');
    });
    expect(logger.warn).not.toHaveBeenCalled();
  });
});

describe('the lines parseStreamChunks and toStreamChunks skip', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    logger.warn.mockReset();
  });
  const pipelines = [
    ['parseStreamChunks', () => parseStreamChunks(options)],
    ['parseSseEvents + toStreamChunks', () => (bytes$: Observable<Uint8Array>) => bytes$.pipe(parseSseEvents(), toStreamChunks(options))],
  ] as const;

  it.each(pipelines)('%s: a data line of whitespace only (a heartbeat) is skipped without a warning', (_name, operator) => {
    scheduler.run(({ cold, expectObservable }) => {
      const values = { a: event('x'), h: encoder.encode('data: \n\ndata:\t \n\ndata:\n\n'), d: encoder.encode('data: [DONE] \n\n') };
      expectObservable(cold('-a-h-d-|', values).pipe(operator())).toBe('-x---|', { x: chunk('x') });
    });
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it.each(pipelines)('%s: warns with at most the first 200 characters of a malformed line', (_name, operator) => {
    // A line may be up to maxLineBytes (1 MiB) long: the log gets a bounded excerpt of it.
    const whole = `{${'a'.repeat(199)}`; // 200 characters: shown whole
    const long = `{${'b'.repeat(200)}`; // 201: cut
    scheduler.run(({ cold, expectObservable }) => {
      const values = { w: encoder.encode(`data: ${whole}\n\n`), l: encoder.encode(`data: ${long}\n\n`), d: done };
      expectObservable(cold('-w-l-d-|', values).pipe(operator())).toBe('-----|');
    });
    expect(logger.warn.mock.calls).toEqual([[`Failed to parse SSE line: ${whole}`], [`Failed to parse SSE line: ${long.slice(0, 200)}…`]]);
  });
});

describe('parseStreamChunks: the drain timer after [DONE]', () => {
  it.each([
    ['ends', (body: Subject<Uint8Array>) => body.complete()],
    ['breaks off', (body: Subject<Uint8Array>) => body.error(new Error('reset'))],
  ])('is cancelled when the body %s within it: no timer is left to hold the process open', (_how, finish) => {
    const { scheduler, scheduled } = recordingScheduler();
    const body = new Subject<Uint8Array>();
    const seen: StreamChunk[] = [];
    let completed = false;
    body.pipe(parseStreamChunks({ ...options, scheduler })).subscribe({ next: (c) => seen.push(c), complete: () => (completed = true) });
    body.next(event('x'));
    body.next(done);
    expect(completed).toBe(true);
    expect(scheduled).toHaveLength(1); // the cut after DRAIN_AFTER_DONE_MS
    expect(scheduled[0].closed).toBe(false);
    finish(body);
    expect(scheduled[0].closed).toBe(true);
    expect(seen).toEqual([chunk('x')]);
  });
});
