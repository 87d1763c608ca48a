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

/** Payloads as the gateway writes them, varying only the content: these share the tail the reader learns. */
const gatewayTail = fc.constantFrom(
  '", "model": "m1", "tool_calls": [], "usage": null, "is_final": false}',
  '", "model": "m1", "tool_calls": [], "usage": null, "is_final": true}',
  '", "model": null}',
  '"}',
  '", "content": "again"}',
  '", "usage": {"prompt_tokens": 1, "completion_tokens": 2}}',
  '", "error": "x"}',
  '", "model": "m1"} ',
  '", "model": "m1"}x',
);
const gatewayPayload = fc.tuple(rawInside, gatewayTail).map(([inside, tail]) => `{"content": "${inside}${tail}`);

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
  { arbitrary: fc.constantFrom('[DONE]', '', '{', 'null', '"text"', '{"content": "', '{"content": ""'), weight: 1 },
);

describe('createCommonChunkReader', () => {
  it('never gives a chunk the general path would not give, for any sequence of payloads', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.array(payload, { minLength: 1, maxLength: 12 }), fc.constantFrom('req-model', ''), (payloads, model) => {
        const read = createCommonChunkReader(model);
        for (const data of payloads) {
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
    expect(taken).toBeGreaterThan(1000);
  });

  it.each([
    ['the gateway shape', '{"content": "Hello", "model": "gpt", "tool_calls": [], "usage": null, "is_final": false}'],
    ['escapes and multi-byte text', '{"content": "a \\"quote\\"\\n\\u00e9 Привет 你好 🙂", "model": "gpt", "tool_calls": [], "usage": null, "is_final": false}'],
    ['compact JSON in another key order', '{"is_final":true,"model":"gpt","content":"end"}'],
    ['nulls and missing keys', '{"content": null, "model": null, "tool_calls": null, "is_final": null}'],
    ['an empty object', ' { } '],
  ])('takes %s without the general path, with the same result', (_name, data) => {
    const read = createCommonChunkReader('req-model');
    // Twice: the second read goes through the learned tail when the payload has one.
    for (let i = 0; i < 2; i++) {
      const fast = read(data);
      expect(fast).toBeDefined();
      expect(fast).toStrictEqual(generalPath(data, 'req-model'));
    }
  });

  it('uses a learned tail only for payloads that end with it', () => {
    const read = createCommonChunkReader('req-model');
    read('{"content": "a", "model": "gpt", "tool_calls": [], "usage": null, "is_final": false}');
    expect(read('{"content": "b", "model": "gpt", "tool_calls": [], "usage": null, "is_final": true}')?.isFinal).toBe(true);
    expect(read('{"content": "c", "model": "gpt", "tool_calls": [], "usage": null, "is_final": false}')?.isFinal).toBe(false);
    expect(read('{"content": "d", "content": "e", "model": "gpt", "tool_calls": [], "usage": null, "is_final": false}')).toBeUndefined();
  });
});
