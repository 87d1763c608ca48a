/**
 * The wire schemas have two builds: zod's chained API in Node (a compiled object parser, fast) and zod/mini in
 * the browser (small). Whatever value comes, both must accept it and give back the same data, or reject it at
 * the same place with the same English message. zod's chained API, once loaded, sets English messages for every
 * zod in the process (on globalThis), which would hide zod/mini's lack of them: the browser build is run with
 * that setting removed, as in a page that has no zod of its own.
 */
import fc from 'fast-check';

import * as node from '../lib/wire-schemas';
import * as browser from '../lib/wire-schemas.browser';

/** Runs `parse` with no zod-wide messages set, as zod/mini runs in a page without zod's chained API. */
function withoutZodWideMessages<T>(parse: () => T): T {
  const config = (globalThis as { __zod_globalConfig?: { localeError?: unknown } }).__zod_globalConfig;
  const saved = config?.localeError;
  if (config) delete config.localeError;
  try {
    return parse();
  } finally {
    if (config) config.localeError = saved;
  }
}

/** A field's value: right, wrong, absent or null. */
const anyValue = fc.oneof(
  fc.string({ maxLength: 5 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);
const usage = fc.oneof(anyValue, fc.record({ prompt_tokens: anyValue, completion_tokens: anyValue }, { requiredKeys: [] }));
const toolCall = fc.oneof(anyValue, fc.record({ id: anyValue, name: anyValue, arguments: anyValue }, { requiredKeys: [] }));
const answer = fc.record(
  {
    content: anyValue,
    model: anyValue,
    usage,
    tool_calls: fc.oneof(anyValue, fc.array(toolCall, { maxLength: 3 })),
    is_final: anyValue,
    latency_ms: anyValue,
    extra: anyValue,
  },
  { requiredKeys: [] },
);
const message = fc.oneof(anyValue, fc.record({ role: anyValue, content: anyValue }, { requiredKeys: [] }));
const request = fc.record(
  {
    messages: fc.oneof(anyValue, fc.array(message, { maxLength: 3 })),
    model: anyValue,
    temperature: anyValue,
    maxTokens: anyValue,
    tools: fc.oneof(anyValue, fc.array(anyValue, { maxLength: 2 })),
    timeout: anyValue,
  },
  { requiredKeys: [] },
);

function outcome(schema: node.WireSchema<unknown>, value: unknown) {
  const result = schema.safeParse(value);
  return result.success ? { data: result.data } : { issues: result.error.issues.map(({ path, message }) => ({ path, message })) };
}

describe.each([
  ['requestSchema', request] as const,
  ['responseSchema', answer] as const,
  ['chunkSchema', answer] as const,
])('%s: the Node and browser builds agree', (name, values) => {
  it('on every value: the same data back, or the same issues with the same messages', () => {
    fc.assert(
      fc.property(fc.oneof({ arbitrary: values, weight: 9 }, { arbitrary: fc.anything(), weight: 1 }), (value) => {
        expect(withoutZodWideMessages(() => outcome(browser[name], value))).toEqual(outcome(node[name], value));
      }),
      { numRuns: 3000 },
    );
  });

  it('speaks English in both (a wrong type names what was expected and what came)', () => {
    const wrong = name === 'requestSchema' ? { messages: 'hi', model: 'm' } : { content: 5 };
    // (Read inside: zod builds the messages when the error is first read.)
    const message = withoutZodWideMessages(() => {
      const result = browser[name].safeParse(wrong);
      return result.success ? 'accepted' : result.error.issues[0].message;
    });
    expect(message).toMatch(/^Invalid input: expected (string|array), received (number|string)$/);
  });
});
