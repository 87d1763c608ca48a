/**
 * The fast path must never decide differently from the general path (JSON.parse, the `error` check, zod,
 * the mapping): property-tested on payload sequences (the reader learns a tail from one payload and uses it
 * on the next) built to hit its edges: duplicate and escaped keys, stray quotes and backslashes next to the
 * learned tail, control characters, non-JSON whitespace, numbers, nested values, and random corruptions.
 */
import fc from 'fast-check';
import { createCommonChunkReader } from '../lib/chunk-fast-path';
import { StreamChunk, toStreamChunk } from '../lib/protocol';

/** What the general path makes of `data`: the chunk, or `undefined` when it skips it or fails. */
function generalPath(data: string, model: string): StreamChunk | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (payload !== null && typeof payload === 'object' && 'error' in payload) return undefined;
  try {
    return toStreamChunk(payload, model);
  } catch {
    return undefined;
  }
}

const space = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\v', '\f', '\uFEFF'), maxLength: 2 });
/** Raw string-literal insides: quotes, backslashes, escapes (valid or not), control and multi-byte chars. */
const rawInside = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', '\\', '\\"', '\\\\', '\\n', '\\u00e9', '\\ud83d', '\\u12', '\\x', '\n', '\t', '\0', '\u2028', 'é', '你', '🙂', 'a', 'u', '0', ' '),
    fc.string({ unit: 'binary', maxLength: 2 }),
  ),
  maxLength: 12,
});
const jsonString = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }).map((text) => JSON.stringify(text)), rawInside.map((inside) => `"${inside}"`));
const key = fc.constantFrom('"content"', '"model"', '"tool_calls"', '"usage"', '"is_final"', '"error"', '"detail"', '"x"', '"cont\\u0065nt"', '"Content"', '"__proto__"');
const value = fc.oneof(
  jsonString,
  fc.constantFrom('null', 'true', 'false', '[]', '[ ]', '[1]', '[{}]', '[{"id": "c", "name": "f", "arguments": {}}]', '{}', 'nul', 'tru', '[', ''),
  fc.constantFrom('{"prompt_tokens": 1, "completion_tokens": 2}', '{"prompt_tokens": null}', '0', '-1', '1e3', '"'),
);
const entry = fc.tuple(key, space, space, value, space).map(([k, s1, s2, v, s3]) => `${k}${s1}:${s2}${v}${s3}`);
const objectText = fc
  .tuple(space, fc.array(entry, { maxLength: 6 }), space, fc.constantFrom(',', ' ,', ', '), space)
  .map(([before, entries, after, separator, trailing]) => `${before}{${entries.join(separator)}${after}}${trailing}`);

/** What follows the content string: fixed ones, then random entries (any key, any value) and corruptions. */
const gatewayTail = fc.oneof(
  fc.constantFrom(
    '", "model": "m1", "tool_calls": [], "usage": null, "is_final": false}',
    '", "model": "m1", "tool_calls": [], "usage": null, "is_final": true}',
    '", "model": null}',
    '"}',
    '", "content": "again"}',
    '", "content": ""}',
    '", "content": "x"}',
    '", "usage": {"prompt_tokens": 1, "completion_tokens": 2}}',
    '", "error": "x"}',
    '", "model": "m1"} ',
    '", "model": "m1"}x',
    '\\"}',
  ),
  fc.tuple(fc.array(entry, { maxLength: 4 }), space).map(([entries, trailing]) => `"${entries.map((e) => `, ${e}`).join('')}}${trailing}`),
);
/** How a payload starts, up to the content's opening quote: the two the fast path knows, mostly. */
const head = fc.oneof(
  { arbitrary: fc.constant('{"content": "'), weight: 3 },
  { arbitrary: fc.constant('{"content":"'), weight: 2 },
  { arbitrary: fc.constantFrom('{"content" : "', ' {"content": "', '{\n"content": "'), weight: 1 },
);
const gatewayPayload = fc.tuple(head, rawInside, gatewayTail).map(([start, inside, tail]) => `${start}${inside}${tail}`);

const corrupted = fc
  .tuple(fc.oneof(objectText, gatewayPayload), fc.nat(), fc.constantFrom('', '"', '\\', '}', ',', ' ', '\0'))
  .map(([text, at, insert]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + insert + text.slice(i + (insert === '' ? 1 : 0));
  });

const payload = fc.oneof(
  { arbitrary: gatewayPayload, weight: 4 },
  { arbitrary: objectText, weight: 3 },
  { arbitrary: corrupted, weight: 2 },
  { arbitrary: fc.constantFrom('[DONE]', '', '{', 'null', '"text"', '{"content": "', '{"content": ""', '{"content": "}', '{"content": "x}'), weight: 1 },
);

/** A stream's payloads: mostly one tail with varying contents (what the reader learns), among any others. */
const payloads = fc
  .tuple(
    head,
    gatewayTail,
    fc.array(
      fc.oneof(
        { arbitrary: rawInside.map((inside) => ({ inside, start: undefined })), weight: 6 },
        { arbitrary: fc.tuple(head, rawInside).map(([start, inside]) => ({ start, inside })), weight: 1 },
        { arbitrary: payload, weight: 2 },
      ),
      { minLength: 1, maxLength: 16 },
    ),
  )
  .map(([streamHead, tail, items]) => items.map((item) => (typeof item === 'string' ? item : `${item.start ?? streamHead}${item.inside}${tail}`)));

describe('createCommonChunkReader', () => {
  it('never gives a chunk the general path would not give, for any sequence of payloads', () => {
    let taken = 0;
    fc.assert(
      fc.property(payloads, fc.constantFrom('req-model', ''), (stream, model) => {
        const read = createCommonChunkReader(model);
        for (const data of stream) {
          const fast = read(data);
          if (fast === undefined) continue;
          taken++;
          const general = generalPath(data, model);
          expect(fast).toStrictEqual(general);
          expect(Object.keys(fast)).toEqual(Object.keys(general!));
        }
      }),
      { numRuns: 3000 },
    );
    // The generators must reach the fast path often, or this property would hold vacuously.
    expect(taken).toBeGreaterThan(500);
  });

  const tail = '", "model": "gpt", "tool_calls": [], "usage": null, "is_final": false}';
  it.each([
    ['plain text', 'Hello'],
    ['an empty content', ''],
    ['escapes', 'a \\"quote\\"\\n\\u00e9 \\\\'],
    ['multi-byte text', 'Привет 你好 🙂'],
  ])('takes %s through the learned tail, with the general path\'s result', (_name, inside) => {
    const read = createCommonChunkReader('req-model');
    expect(read(`{"content": "first${tail}`)).toBeUndefined(); // the general path decodes the first one
    expect(read(`{"content": "second${tail}`)).toBeUndefined(); // and learns the tail from the second
    const data = `{"content": "${inside}${tail}`;
    const fast = read(data);
    expect(fast).toBeDefined();
    expect(fast).toStrictEqual(generalPath(data, 'req-model'));
  });

  it('uses a learned tail only for payloads that end with it, and learns again when they change', () => {
    const read = createCommonChunkReader('req-model');
    read(`{"content": "a${tail}`);
    read(`{"content": "a${tail}`);
    expect(read(`{"content": "b", "model": "gpt", "tool_calls": [], "usage": null, "is_final": true}`)).toBeUndefined();
    expect(read(`{"content": "b", "model": "gpt", "tool_calls": [], "usage": null, "is_final": true}`)).toBeUndefined();
    expect(read(`{"content": "c", "model": "gpt", "tool_calls": [], "usage": null, "is_final": true}`)?.isFinal).toBe(true);
    expect(read(`{"content": "d", "content": "e"${tail.slice(1)}`)).toBeUndefined();
  });

  it('does not take a payload whose learned head and tail overlap (too short to hold both)', () => {
    const read = createCommonChunkReader('req-model');
    read('{"content": "a"}');
    read('{"content": "b"}'); // learns the tail `"}`
    expect(read('{"content": "c"}')).toStrictEqual(generalPath('{"content": "c"}', 'req-model'));
    expect(read('{"content": "}')).toBeUndefined(); // ends with `"}` but its only quote opens the content
  });

  it('never learns a tail that overrides the content, reports an error, or carries tool calls or usage', () => {
    for (const refused of [
      '", "content": "tail wins"}',
      '", "error": "upstream_failed"}',
      '", "tool_calls": [{"id": "c", "name": "f", "arguments": {}}]}',
      '", "usage": {"prompt_tokens": 1, "completion_tokens": 2}}',
    ]) {
      const read = createCommonChunkReader('req-model');
      read(`{"content": "a${refused}`);
      read(`{"content": "a${refused}`);
      expect(read(`{"content": "b${refused}`)).toBeUndefined();
    }
  });
});
