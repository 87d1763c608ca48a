/**
 * The SSE parser against the WHATWG "event stream interpretation" rules, one rule per row; the line bound;
 * and the RxJS operator in marble tests.
 */
import { TestScheduler } from 'rxjs/testing';
import { StreamError } from '../lib/errors';
import { parseSseEvents } from '../lib/parse-sse-events';
import { createSseParser, type SseEvent } from '../lib/sse';

const encoder = new TextEncoder();

/** A chunk as written in a row: text (UTF-8 encoded) or raw bytes. */
type Piece = string | number[];

function toBytes(piece: Piece): Uint8Array {
  return typeof piece === 'string' ? encoder.encode(piece) : Uint8Array.from(piece);
}

function ev(data: string, event = '', id = ''): SseEvent {
  return { data, event, id };
}

/** Feeds each piece in its own feed() call, then end(); returns what the parser reported. */
function parse(pieces: Piece[], maxLineBytes?: number): { events: SseEvent[]; retries: number[] } {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const parser = createSseParser({ onEvent: (e) => events.push(e), onRetry: (ms) => retries.push(ms), maxLineBytes });
  for (const piece of pieces) parser.feed(toBytes(piece));
  parser.end();
  return { events, retries };
}

describe('createSseParser: WHATWG event-stream rules', () => {
  const rows: Array<[rule: string, pieces: Piece[], events: SseEvent[]]> = [
    ['a line ends in LF', ['data: a\n\n'], [ev('a')]],
    ['a line ends in CRLF', ['data: a\r\n\r\n'], [ev('a')]],
    ['a line ends in a lone CR', ['data: a\r\r'], [ev('a')]],
    ['LF, CR and CRLF mix in one stream', ['data: a\rdata: b\ndata: c\r\n\r'], [ev('a\nb\nc')]],
    ['a CRLF split across two feeds is one line end', ['data: a\r', '\ndata: b\r\n\r\n'], [ev('a\nb')]],
    ['a CR at a chunk end then a blank LF line', ['data: a\r', '\n', '\n'], [ev('a')]],
    ['a CR at a chunk end ends its line at once', ['data: a\r', '\r'], [ev('a')]],
    ['CR CR LF is a line end then a blank line', ['data: a\r\r\n'], [ev('a')]],
    ['a leading BOM is dropped', ['\uFEFFdata: a\n\n'], [ev('a')]],
    ['a leading BOM split across feeds is dropped', [[0xef], [0xbb], [0xbf, ...encoder.encode('data: a\n\n')]], [ev('a')]],
    ['a BOM alone in the first feeds is dropped', [[0xef, 0xbb, 0xbf], 'data: a\n\n'], [ev('a')]],
    ['only ONE leading BOM is dropped (a second makes an unknown field)', ['\uFEFF\uFEFFdata: a\n\n'], []],
    ['a BOM inside a value is content', ['data: \uFEFFa\n\n'], [ev('\uFEFFa')]],
    ['`data` with no colon appends an empty line', ['data\n\n'], [ev('')]],
    ['two bare `data` lines give one LF', ['data\ndata\n\n'], [ev('\n')]],
    ['`data:` with an empty value dispatches an empty event', ['data:\n\n'], [ev('')]],
    ['`data:x` without the space', ['data:x\n\n'], [ev('x')]],
    ['`data: x` loses its one space', ['data: x\n\n'], [ev('x')]],
    ['`data:  x` keeps the second space', ['data:  x\n\n'], [ev(' x')]],
    ['trailing spaces are kept', ['data: x  \n\n'], [ev('x  ')]],
    ['a colon inside the value is content', ['data: a:b: c\n\n'], [ev('a:b: c')]],
    ['several data lines join with LF', ['data: a\ndata:b\ndata:  c\n\n'], [ev('a\nb\n c')]],
    ['only ONE trailing LF is stripped', ['data: a\ndata\n\n'], [ev('a\n')]],
    ['comments are ignored', [': hi\ndata: a\n:\n: x: y\n\n'], [ev('a')]],
    ['a comment-only block dispatches nothing', [': keep-alive\n\n:ping\n\n'], []],
    ['`event` sets the type', ['event: update\ndata: a\n\n'], [ev('a', 'update')]],
    ['the type resets after each event', ['event: x\ndata: a\n\ndata: b\n\n'], [ev('a', 'x'), ev('b')]],
    ['the type resets on an empty dispatch', ['event: x\n\ndata: b\n\n'], [ev('b')]],
    ['`event` with no colon sets an empty type', ['event: x\nevent\ndata: a\n\n'], [ev('a')]],
    ['`id` sets the last event id, which carries over', ['id: 7\ndata: a\n\ndata: b\n\n'], [ev('a', '', '7'), ev('b', '', '7')]],
    ['`id` applies even on an event with no data', ['id: 3\n\ndata: a\n\n'], [ev('a', '', '3')]],
    ['an `id` containing NUL is ignored', ['id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n'], [ev('a', '', '1'), ev('b', '', '1')]],
    ['a bare `id` resets the id to empty', ['id: 1\ndata: a\n\nid\ndata: b\n\n'], [ev('a', '', '1'), ev('b')]],
    ['an unknown field is ignored', ['foo: bar\ndata: a\nfoo\n\n'], [ev('a')]],
    ['field names are case-sensitive', ['Data: x\nDATA: y\ndata: a\n\n'], [ev('a')]],
    ['a space before the colon makes another field', ['data : x\ndata: a\n\n'], [ev('a')]],
    ['a name that only starts like `data` is another field', ['datum: x\ndata: a\n\n'], [ev('a')]],
    ['an empty data buffer dispatches nothing', ['\n\n\n'], []],
    ['blank lines between events change nothing', ['data: a\n\n\n\ndata: b\n\n'], [ev('a'), ev('b')]],
    ['the last event with no blank line before EOF is dropped', ['data: a\n\ndata: b\n'], [ev('a')]],
    ['an unterminated last line at EOF is dropped', ['data: a\n\ndata: b'], [ev('a')]],
    ['invalid UTF-8 becomes U+FFFD', [[...encoder.encode('data: '), 0x80, 0xf0, 0x9f, 0x98, 0x41, 0x0a, 0x0a]], [ev('\uFFFD\uFFFDA')]],
    ['invalid UTF-8 after a non-ASCII run decodes the same', ['data: é\n\n', [...encoder.encode('data: '), 0xc0, 0xaf, 0x0a, 0x0a]], [ev('é'), ev('\uFFFD\uFFFD')]],
    ['multi-byte characters of every length', ['data: é€🙂你\n\n'], [ev('é€🙂你')]],
    ['U+2028 and NEL are not line ends', ['data: a\u2028b\u0085c\n\n'], [ev('a\u2028b\u0085c')]],
  ];

  it.each(rows)('%s', (_rule, pieces, expected) => {
    expect(parse(pieces).events).toEqual(expected);
  });

  it('a valid `retry` calls onRetry with its value in ms, leading zeros allowed', () => {
    expect(parse(['retry: 3000\n', 'retry:0042\n\n']).retries).toEqual([3000, 42]);
    expect(parse(['retry: 0\nretry: 1989\n']).retries).toEqual([0, 1989]); // zero, and the digit 9
  });

  it.each([['retry: 30x'], ['retry: -1'], ['retry: 1.5'], ['retry:'], ['retry'], ['retry:  10'], ['retry: 10 ']])(
    'a `retry` that is not only ASCII digits is ignored: %j',
    (line) => {
      const { retries, events } = parse([`${line}\ndata: a\n\n`]);
      expect(retries).toEqual([]);
      expect(events).toEqual([ev('a')]);
    },
  );

  it('hands events on synchronously, from inside the feed() that completes them', () => {
    const seen: string[] = [];
    const parser = createSseParser({ onEvent: (e) => seen.push(e.data) });
    parser.feed(encoder.encode('data: a\n'));
    expect(seen).toEqual([]);
    parser.feed(encoder.encode('\ndata: b\n\n'));
    expect(seen).toEqual(['a', 'b']);
  });

  it('copies the partial line: a caller reusing its chunk buffer does not corrupt the next event', () => {
    const seen: string[] = [];
    const parser = createSseParser({ onEvent: (e) => seen.push(e.data) });
    const buffer = encoder.encode('data: hello');
    parser.feed(buffer);
    buffer.fill(0x7a); // what a BYOB reader does with its buffer
    parser.feed(encoder.encode(' world\n\n'));
    expect(seen).toEqual(['hello world']);
  });

  it('end() starts a fresh stream: pending event, id and BOM state are reset', () => {
    const events: SseEvent[] = [];
    const parser = createSseParser({ onEvent: (e) => events.push(e) });
    parser.feed(encoder.encode('id: 9\ndata: a\n\ndata: lost'));
    parser.end();
    parser.feed(encoder.encode('\uFEFFdata: b\n\n'));
    expect(events).toEqual([ev('a', '', '9'), ev('b')]);
  });
});

describe('createSseParser: feed() tells whether the bytes carried content (what an idle timer counts)', () => {
  // Each row: the pieces fed in order, and what each feed() returns. Content is any part of a line that is
  // neither blank nor a comment, whole or not.
  const rows: Array<[what: string, pieces: Piece[], returns: boolean[]]> = [
    ['a whole event', ['data: x\n\n'], [true]],
    ['a keep-alive comment', [': ping\n\n'], [false]],
    ['blank lines', ['\n', '\r\n\r'], [false, false]],
    ['an event trickled in pieces', ['da', 'ta: {"c', '"}', '\n', '\n'], [true, true, true, true, false]],
    ['a comment trickled in pieces', [':', ' keep', '-alive', '\n'], [false, false, false, false]],
    ['a comment, then the start of an event', [': c\nda'], [true]],
    ['a comment ended by a lone CR, then the start of an event', [': c\rda'], [true]],
    ['a comment begun after a line end, then continued', ['data: x\n: ke', 'ep'], [true, false]],
    ['an event begun after a comment, then continued', [': c\nda', 'ta'], [true, true]],
    ['a comment whose first byte came alone', ['\n:', ' keep', '-alive'], [false, false, false]],
    ['a comment completed, then nothing more', [': c', 'omment\n'], [false, false]],
    ['an event line completed by its last bytes', ['da', 'ta: x\n'], [true, true]],
    ['a field other than data', ['event: e\n', 'retry: 5\n'], [true, true]],
    ['the second half of a split CRLF', ['data: x\r', '\n'], [true, false]],
    // Bytes that decode to no text yet are not counted until they do: the one case where they never do is the
    // leading byte order mark, and a server that sent it and then only keep-alives has sent nothing.
    ['a multi-byte character starting a line, its bytes apart', [[0xe2], [0x82, 0xac]], [false, true]],
    ['the byte order mark alone, then a comment', [[0xef, 0xbb, 0xbf], ': ping\n'], [false, false]],
    ['the byte order mark, then an event begun', [[0xef, 0xbb], [0xbf, 0x64]], [false, true]],
    ['an empty chunk', [[]], [false]],
  ];
  it.each(rows)('%s', (_what, pieces, returns) => {
    const parser = createSseParser({ onEvent: () => undefined });
    expect(pieces.map((piece) => parser.feed(toBytes(piece)))).toEqual(returns);
  });
});

describe('createSseParser: the line bound (maxLineBytes)', () => {
  const tooLong = new StreamError('line-too-long', 'SSE line exceeds maxLineBytes (16 bytes)');
  const line = (bytes: number): string => 'data: ' + 'x'.repeat(bytes - 6);

  it('a line of maxLineBytes + 1 bytes throws StreamError line-too-long', () => {
    let thrown: unknown;
    try {
      parse([`${line(17)}\n\n`], 16);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StreamError);
    expect(thrown).toMatchObject({ type: 'line-too-long', message: 'SSE line exceeds maxLineBytes (16 bytes)' });
  });

  it('a line of exactly maxLineBytes is fine, in one chunk and byte by byte, with any line end', () => {
    // Three events: one event of three such lines would exceed the bound on its data (see below).
    const text = `${line(16)}\r\n\r\n${line(16)}\r\r${line(16)}\n\n`;
    const expected = [ev('x'.repeat(10)), ev('x'.repeat(10)), ev('x'.repeat(10))];
    expect(parse([text], 16).events).toEqual(expected);
    expect(parse([...text], 16).events).toEqual(expected);
  });

  it('counts bytes, not characters', () => {
    expect(parse(['data: 你好世\n\n'], 16).events).toEqual([ev('你好世')]); // 15 bytes
    expect(() => parse(['data: 你好世界\n\n'], 16)).toThrow(tooLong); // 18 bytes, 10 chars
  });

  it('throws byte by byte on the byte that crosses the bound, keeping nothing past it', () => {
    const fed: number[] = [];
    const parser = createSseParser({ onEvent: () => undefined, maxLineBytes: 16 });
    const bytes = encoder.encode(`${line(40)}\n\n`);
    expect(() => {
      for (const byte of bytes) {
        parser.feed(Uint8Array.of(byte));
        fed.push(byte);
      }
    }).toThrow(tooLong);
    expect(fed).toHaveLength(16); // the 17th byte of the line threw
  });

  it('throws on the chunk that crosses the bound when a long line comes in many chunks', () => {
    const maxLineBytes = 10_000;
    const parser = createSseParser({ onEvent: () => undefined, maxLineBytes });
    parser.feed(encoder.encode('data: '));
    let sent = 6;
    let chunks = 0;
    const kib = encoder.encode('x'.repeat(1000));
    expect(() => {
      for (;;) {
        parser.feed(kib);
        sent += kib.length;
        chunks++;
      }
    }).toThrow(new StreamError('line-too-long', 'SSE line exceeds maxLineBytes (10000 bytes)'));
    expect(sent).toBeLessThanOrEqual(maxLineBytes);
    expect(sent + kib.length).toBeGreaterThan(maxLineBytes);
    expect(chunks).toBe(9);
  });

  it('counts both parts of a line that a later chunk completes', () => {
    expect(() => parse(['data: xxxxx', 'xxxxxx\n\ndata: ok\n\n'], 16)).toThrow(tooLong); // 11 + 6 bytes
    expect(parse(['data: xxxxx', 'xxxxx\n\ndata: ok\n\n'], 16).events).toEqual([ev('xxxxxxxxxx'), ev('ok')]); // 11 + 5
  });

  it('counts only the line a lone CR ends, when no LF is in the chunk', () => {
    expect(parse(['data: 0123456789\rdata: b', '\r\r'], 16).events).toEqual([ev('0123456789\nb')]); // 16, then 7 bytes
  });

  it('allows an unterminated tail of exactly maxLineBytes after a line end in the same chunk', () => {
    expect(parse([`data: a\n${line(16)}`, '\n\n'], 16).events).toEqual([ev('a\n' + 'x'.repeat(10))]);
  });

  it('never reads the first part of a line that a later chunk makes too long as a line of its own', () => {
    // Read as lines, `retry: 1234567` would be reported, and `data: abcdefgh` would overflow its event first.
    const retries: number[] = [];
    const parser = createSseParser({ onEvent: () => undefined, onRetry: (ms) => retries.push(ms), maxLineBytes: 16 });
    parser.feed(encoder.encode('retry: 1234567')); // 14 bytes
    expect(() => parser.feed(encoder.encode('890\n'))).toThrow(tooLong);
    expect(retries).toEqual([]);
    expect(() => parse(['data: 0123456789\ndata: abcdefgh', 'ijk\n\n'], 16)).toThrow(tooLong);
  });

  it('counts the leading BOM on the first line (it is on the wire)', () => {
    expect(parse(['\uFEFF' + line(13) + '\n\n'], 16).events).toEqual([ev('x'.repeat(7))]); // 3 + 13 bytes
    expect(() => parse(['\uFEFF' + line(14) + '\n\n'], 16)).toThrow(tooLong);
  });

  it('hands on the events before a too-long line in the same chunk, then throws', () => {
    for (const chunk of [`data: ok\n\n${line(17)}\n\ndata: no\n\n`, `data: ok\n\n${line(40)}`]) {
      const seen: string[] = [];
      const parser = createSseParser({ onEvent: (e) => seen.push(e.data), maxLineBytes: 16 });
      expect(() => parser.feed(encoder.encode(chunk))).toThrow(tooLong);
      expect(seen).toEqual(['ok']);
    }
  });

  it('reassembles a long line that arrives in many small chunks exactly', () => {
    const value = Array.from({ length: 5000 }, (_, i) => `${i}:é你🙂`).join(',');
    const bytes = encoder.encode(`data: ${value}\n\n`);
    const pieces: number[][] = [];
    for (let at = 0; at < bytes.length; at += 7) pieces.push([...bytes.subarray(at, at + 7)]);
    expect(parse(pieces).events).toEqual([ev(value)]);
  });

  it('a chunk far longer than the bound made of short lines is fine', () => {
    const text = 'data: abcdefghij\n\n'.repeat(100);
    expect(parse([text], 16).events).toHaveLength(100);
  });

  it('stays failed until end(): later feeds throw the same error', () => {
    const parser = createSseParser({ onEvent: () => undefined, maxLineBytes: 16 });
    let first: unknown;
    try {
      parser.feed(encoder.encode(line(17)));
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(StreamError);
    expect(() => parser.feed(encoder.encode('\n\n'))).toThrow(first as Error);
    parser.end();
    expect(() => parser.feed(encoder.encode('data: ok\n\n'))).not.toThrow();
  });

  it("bounds one event's data too: data lines without the blank line that ends the event", () => {
    // Each line is well under the bound; together they are not. 'abc' + LF + 'abc' ... = 4n - 1 characters.
    const tooMuch = new StreamError('event-too-long', 'SSE event data exceeds maxLineBytes (16 characters)');
    expect(parse(['data: abc\n'.repeat(4) + '\n'], 16).events).toEqual([ev('abc\nabc\nabc\nabc')]); // 15
    expect(parse(['data: abcde\ndata: abcd\ndata: abcd\ndata:\n\n'], 16).events).toEqual([ev('abcde\nabcd\nabcd\n')]); // 16
    expect(() => parse(['data: abcde\ndata: abcd\ndata: abcd\ndata: a\n\n'], 16)).toThrow(tooMuch); // 17
    expect(() => parse(['data: abc\n'.repeat(5) + '\n'], 16)).toThrow(tooMuch); // 19
    expect(() => parse(['data: abc\n'.repeat(5).split('').map((c) => c)].flat(), 16)).toThrow(tooMuch); // byte by byte
    const parser = createSseParser({ onEvent: () => undefined, maxLineBytes: 16 });
    expect(() => parser.feed(encoder.encode('data: abc\n'.repeat(5)))).toThrow(tooMuch);
    expect(() => parser.feed(encoder.encode('\n'))).toThrow(tooMuch); // stays failed
    parser.end();
    expect(() => parser.feed(encoder.encode('data: ok\n\n'))).not.toThrow();
  });

  it('defaults to 1 MiB', () => {
    const mib = 1_048_576;
    expect(parse([`${line(mib)}\n\n`]).events[0].data).toHaveLength(mib - 6);
    expect(() => parse([`${line(mib + 1)}\n\n`])).toThrow(
      new StreamError('line-too-long', `SSE line exceeds maxLineBytes (${mib} bytes)`),
    );
  });
});

describe('parseSseEvents (marbles)', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });
  const bytes = (text: string): Uint8Array => encoder.encode(text);

  it('emits each event in the frame of the chunk that completes it, and completes with the source', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', { a: bytes('data: hel'), b: bytes('lo\n\ndata'), c: bytes(': x\r\n\r\n') });
      expectObservable(source.pipe(parseSseEvents())).toBe('---b-c-|', { b: ev('hello'), c: ev('x') });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('emits the events of one chunk in the same frame', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('-a------|', { a: bytes('data: 1\n\nevent: e\ndata: 2\n\n') });
      expectObservable(source.pipe(parseSseEvents())).toBe('-(xy)---|', { x: ev('1'), y: ev('2', 'e') });
    });
  });

  it('drops an incomplete last event when the source completes', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('-a-|', { a: bytes('data: x\n\ndata: half\n') });
      expectObservable(source.pipe(parseSseEvents())).toBe('-x-|', { x: ev('x') });
    });
  });

  it('errors with StreamError line-too-long and unsubscribes from the source', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', { a: bytes('data: ok\n\n'), b: bytes('data: 0123456789'), c: bytes('\n\n') });
      const error = new StreamError('line-too-long', 'SSE line exceeds maxLineBytes (12 bytes)');
      expectObservable(source.pipe(parseSseEvents({ maxLineBytes: 12 }))).toBe('-a-#', { a: ev('ok') }, error);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('passes a source error through', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const boom = new Error('socket hang up');
      const source = cold('-a-#', { a: bytes('data: x\n\n') }, boom);
      expectObservable(source.pipe(parseSseEvents())).toBe('-x-#', { x: ev('x') }, boom);
    });
  });

  it('unsubscribing unsubscribes from the source', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-a-a-|', { a: bytes('data: x\n\n') });
      expectObservable(source.pipe(parseSseEvents()), '^--!').toBe('-x', { x: ev('x') });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('reports `retry` through onRetry', () => {
    const retries: number[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('-a-|', { a: bytes('retry: 1500\ndata: x\n\n') });
      expectObservable(source.pipe(parseSseEvents({ onRetry: (ms) => retries.push(ms) }))).toBe('-x-|', { x: ev('x') });
    });
    expect(retries).toEqual([1500]);
  });

  it('each subscription parses with its own state', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('-a-b-|', { a: bytes('id: 1\ndata: x\n\n'), b: bytes('data: y\n\n') });
      const events$ = source.pipe(parseSseEvents());
      expectObservable(events$).toBe('-a-b-|', { a: ev('x', '', '1'), b: ev('y', '', '1') });
      expectObservable(events$).toBe('-a-b-|', { a: ev('x', '', '1'), b: ev('y', '', '1') });
    });
  });
});
