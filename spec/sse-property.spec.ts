/**
 * Property: whatever the content and however the bytes are cut, the gateway's chunk objects come back out of
 * the parser exactly, in order, followed by [DONE]. fast-check prints the seed and the shrunk counterexample
 * on failure (replay with `fc.assert(..., { seed, path })`).
 */
import fc from 'fast-check';
import { from as rxFrom, type OperatorFunction } from 'rxjs';
import type { StreamChunk } from '../lib';
import { parseSseEvents } from '../lib/parse-sse-events';
import { createSseParser, type SseEvent } from '../lib/sse';
import { createSseDataParser } from '../lib/sse-data-parser';
import { parseStreamChunks, toStreamChunks } from '../lib/stream-chunks';

interface GatewayChunk {
  content: string;
  model: string;
  is_final: boolean;
}

/** Text that stresses the stream: every code point, emoji and CJK graphemes, JSON and SSE special characters. */
const awkwardText = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 4 },
  {
    arbitrary: fc.string({
      unit: fc.constantFrom('"', '\\', '\n', '\r', '\r\n', '\t', '\0', ':', ' ', 'data: ', '\u2028', '\u0085', '\uFEFF', 'é', '你', '🙂', '👨‍👩‍👧'),
      maxLength: 30,
    }),
    weight: 4,
  },
  // Now and then a long one, so pieces up to 64 KiB cut through lines longer than a piece.
  { arbitrary: fc.string({ unit: 'grapheme', minLength: 2000, maxLength: 30_000 }), weight: 1 },
);

const gatewayChunk: fc.Arbitrary<GatewayChunk> = fc.record({
  content: awkwardText,
  model: fc.string({ unit: 'grapheme', maxLength: 12 }),
  is_final: fc.boolean(),
});

interface StreamSpec {
  chunks: GatewayChunk[];
  lineEnd: string;
  bom: boolean;
  keepAlive: boolean;
  multiLine: boolean;
}

type Cutting = { kind: 'offsets'; offsets: number[] } | { kind: 'sizes'; sizes: number[] } | { kind: 'nasty' };

const stream: fc.Arbitrary<StreamSpec> = fc.record({
  chunks: fc.array(gatewayChunk, { maxLength: 12 }),
  lineEnd: fc.constantFrom('\n', '\r\n', '\r'),
  bom: fc.boolean(),
  keepAlive: fc.boolean(), // `: ping` comment lines between events, as proxies send
  // Pretty-printed JSON sent as several `data:` lines: a line end misread as a blank line (a CRLF cut in
  // two) would then dispatch half an object.
  multiLine: fc.boolean(),
});

/** How to cut the bytes: at arbitrary offsets, into pieces of 1 B..64 KiB, or after every CR and inside every character. */
const cutting: fc.Arbitrary<Cutting> = fc.oneof<fc.Arbitrary<Cutting>[]>(
  fc.record({ kind: fc.constant('offsets' as const), offsets: fc.array(fc.nat(), { maxLength: 40 }) }),
  fc.record({
    kind: fc.constant('sizes' as const),
    sizes: fc.array(fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 65_536 })), { minLength: 1, maxLength: 40 }),
  }),
  fc.record({ kind: fc.constant('nasty' as const) }),
);

function serialise(s: StreamSpec): Uint8Array {
  const { chunks, lineEnd, bom, keepAlive, multiLine } = s;
  const ping = keepAlive ? ': ping\n' : '';
  const data = (c: GatewayChunk): string =>
    multiLine ? JSON.stringify(c, null, 1).replace(/\n/g, '\ndata:') : JSON.stringify(c);
  const body = chunks.map((c) => `${ping}data: ${data(c)}\n\n`).join('') + 'data: [DONE]\n\n';
  return new TextEncoder().encode((bom ? '\uFEFF' : '') + body.replace(/\n/g, lineEnd));
}

function cutPoints(bytes: Uint8Array, cut: Cutting): number[] {
  if (cut.kind === 'offsets') return [...new Set(cut.offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  if (cut.kind === 'sizes') {
    const points: number[] = [];
    for (let at = 0, i = 0; at < bytes.length; i++) points.push((at += cut.sizes[i % cut.sizes.length]));
    return points;
  }
  // After every CR (splitting CRLFs) and after the first byte of every multi-byte character.
  const points: number[] = [];
  bytes.forEach((byte, i) => {
    if (byte === 0x0d || (byte >= 0xc0 && byte <= 0xf7)) points.push(i + 1);
  });
  return points;
}

function parsePieces(bytes: Uint8Array, points: number[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser({ onEvent: (e) => events.push(e) });
  let from = 0;
  for (const point of [...points, bytes.length]) {
    const to = Math.min(point, bytes.length);
    parser.feed(bytes.subarray(from, to));
    from = to;
  }
  parser.end();
  return events;
}

const strictLogger = { warn: (message: string) => { throw new Error(`unexpected warning: ${message}`); } };

describe('parser property: gateway chunks survive any cutting of their bytes', () => {
  it('JSON.parse of every event but [DONE] gives back the original objects, in order', () => {
    fc.assert(
      fc.property(stream, cutting, (s, cut) => {
        const bytes = serialise(s);
        const events = parsePieces(bytes, cutPoints(bytes, cut));
        expect(events.map((e) => e.data).at(-1)).toBe('[DONE]');
        expect(events.slice(0, -1).map((e) => JSON.parse(e.data) as unknown)).toEqual(s.chunks);
        expect(events.every((e) => e.event === '' && e.id === '')).toBe(true);
      }),
      { numRuns: 2000, verbose: true },
    );
  });
});

describe.each([
  ['parseSseEvents -> toStreamChunks', () => [parseSseEvents(), toStreamChunks({ model: 'fallback', logger: strictLogger })] as const],
  ['parseStreamChunks (what chatStream$ runs)', () => [parseStreamChunks({ model: 'fallback', logger: strictLogger })] as const],
])('pipeline property: %s emits exactly the original chunks', (_name, operators) => {
  it('maps every cut of every stream to the same StreamChunks, in order, then completes', () => {
    fc.assert(
      fc.property(stream, cutting, (s, cut) => {
        const bytes = serialise(s);
        const pieces: Uint8Array[] = [];
        let start = 0;
        for (const point of [...cutPoints(bytes, cut), bytes.length]) {
          const end = Math.min(point, bytes.length);
          pieces.push(bytes.subarray(start, end));
          start = end;
        }
        const emitted: StreamChunk[] = [];
        let completed = false;
        rxFrom(pieces)
          .pipe(...(operators() as unknown as [OperatorFunction<Uint8Array, StreamChunk>]))
          .subscribe({ next: (c) => emitted.push(c), complete: () => (completed = true) });
        expect(completed).toBe(true);
        expect(emitted).toEqual(s.chunks.map((c) => ({ content: c.content, model: c.model, toolCalls: [], isFinal: c.is_final })));
      }),
      { numRuns: 2000, verbose: true },
    );
  });
});

/** Any line of an event stream: every field kind, comments, blanks, look-alikes, BOM-free text with CRs inside. */
const sseLine = fc.oneof(
  fc.constantFrom('', ':', ': keep-alive', 'data', 'data:', 'data: ', 'event', 'id', 'retry', 'Data: x', 'datum: x', 'data : x'),
  fc.tuple(fc.constantFrom('data', 'event', 'id', 'retry', 'foo', ''), fc.constantFrom(':', ': ', ':  '), fc.string({ unit: 'grapheme', maxLength: 12 })).map(
    ([name, colon, value]) => name + colon + value.replace(/[\r\n]/g, ''),
  ),
);
const sseText = fc
  .array(fc.tuple(sseLine, fc.constantFrom('\n', '\r', '\r\n')), { maxLength: 40 })
  .map((lines) => lines.map(([line, end]) => line + end).join(''));

describe('createSseDataParser: the data, content and fields of createSseParser, without interpreting them', () => {
  it('reports the same data in the same order, the same content flags, and every other field as it came', () => {
    fc.assert(
      fc.property(sseText, cutting, (text, cut) => {
        const bytes = new TextEncoder().encode(text);
        const full: string[] = [];
        const core: string[] = [];
        const fields: string[] = [];
        const whole = createSseParser({ onEvent: (e) => full.push(e.data) });
        const data = createSseDataParser({ onData: (d) => core.push(d), onField: (name, value) => fields.push(`${name}=${value}`) });
        let from = 0;
        for (const point of [...cutPoints(bytes, cut), bytes.length]) {
          const piece = bytes.subarray(from, Math.min(point, bytes.length));
          from = Math.min(point, bytes.length);
          expect(data.feed(piece)).toBe(whole.feed(piece));
        }
        expect(core).toEqual(full);
        const expectedFields = text
          .split(/\r\n|\r|\n/)
          .slice(0, -1)
          .filter((line) => line !== '' && !line.startsWith(':') && !/^data(:|$)/.test(line))
          .map((line) => (line.includes(':') ? line.replace(/:( ?)/, '=') : `${line}=`));
        expect(fields).toEqual(expectedFields);
      }),
      { numRuns: 1000 },
    );
  });
});
