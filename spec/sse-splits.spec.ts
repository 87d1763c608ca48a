/**
 * Bytes may be cut anywhere: inside a line, inside a CRLF, inside a multi-byte UTF-8 character, inside the
 * leading BOM. For each fixture, every cut must give exactly the events of the unsplit stream, which are
 * themselves checked against the fixture's expected events.
 */
import { createSseParser, type SseEvent } from '../lib/sse';

const encoder = new TextEncoder();

function ev(data: string, event = '', id = ''): SseEvent {
  return { data, event, id };
}

function parseChunks(chunks: Uint8Array[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser({ onEvent: (e) => events.push(e) });
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return events;
}

const gatewayChunks = [
  { content: 'Привет, мир! ', model: 'm', is_final: false },
  { content: '你好，世界。🙂👍🏽👨‍👩‍👧', model: 'm', is_final: false },
  { content: 'He said "hi"\nthen \\left\\ and \t tabbed \u2028 \r\n end', model: 'm', is_final: false },
  { content: '', model: 'm', is_final: true },
];

const fixtures: Array<{ name: string; text: string; events: SseEvent[] }> = [
  {
    name: 'mixed line endings, comments, fields',
    text:
      '\uFEFF: hello\r\nretry: 10\rid: 1\nevent: greet\r\ndata: a\rdata:b\r\n\r' +
      'data\n\n: ping\r\rdata: Привет\r\ndata: 🙂\r\r\n' +
      'data: tail\r\n\r\ndata: dropped\n',
    events: [ev('a\nb', 'greet', '1'), ev('', '', '1'), ev('Привет\n🙂', '', '1'), ev('tail', '', '1')],
  },
  {
    name: 'emoji / CJK / Cyrillic gateway chunks, LF',
    text: gatewayChunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n',
    events: [...gatewayChunks.map((c) => ev(JSON.stringify(c))), ev('[DONE]')],
  },
  {
    name: 'JSON with escaped quotes, backslashes and \\n, CRLF',
    text: gatewayChunks.map((c) => `data:${JSON.stringify(c)}\r\n\r\n`).join('') + 'data: [DONE]\r\n\r\n',
    events: [...gatewayChunks.map((c) => ev(JSON.stringify(c))), ev('[DONE]')],
  },
  {
    name: 'lone CR line ends with multi-byte characters right before them',
    text: 'data: é\rdata: 你\r\rdata: 🙂\r\r',
    events: [ev('é\n你'), ev('🙂')],
  },
];

describe.each(fixtures)('fixture: $name', ({ text, events }) => {
  const bytes = encoder.encode(text);

  it('unsplit, gives the expected events', () => {
    expect(parseChunks([bytes])).toEqual(events);
  });

  it('cut in two at every offset, gives the same events', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const got = parseChunks([bytes.subarray(0, cut), bytes.subarray(cut)]);
      if (JSON.stringify(got) !== JSON.stringify(events)) {
        throw new Error(`cut at byte ${cut} of ${bytes.length}: ${JSON.stringify(got)}`);
      }
    }
  });

  it('cut in three at every pair of offsets 1..40 bytes apart, gives the same events', () => {
    for (let first = 0; first <= bytes.length; first++) {
      for (let second = first + 1; second <= Math.min(bytes.length, first + 40); second++) {
        const got = parseChunks([bytes.subarray(0, first), bytes.subarray(first, second), bytes.subarray(second)]);
        if (JSON.stringify(got) !== JSON.stringify(events)) {
          throw new Error(`cuts at bytes ${first} and ${second}: ${JSON.stringify(got)}`);
        }
      }
    }
  });

  it('fed one byte at a time, gives the same events', () => {
    expect(parseChunks(Array.from(bytes, (byte) => Uint8Array.of(byte)))).toEqual(events);
  });
});
