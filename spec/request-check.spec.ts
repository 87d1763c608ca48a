/**
 * toWireRequest's check: the common request passes a hand-written fast check, anything it is unsure of goes to
 * the zod schema. These cases sit on the edge between the two, so a fast check that let one through would fail.
 */
import { LLMProviderError } from '../lib/errors';
import { LLMRequest, toWireRequest } from '../lib/protocol';

const messages = [{ role: 'user', content: 'hi' }];

function rejection(request: unknown): string {
  try {
    toWireRequest(request as LLMRequest, 60);
  } catch (error) {
    expect(error).toBeInstanceOf(LLMProviderError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('toWireRequest', () => {
  it('builds the snake_case body with defaults for a valid request', () => {
    expect(toWireRequest({ model: 'm', messages, maxTokens: 5, toolChoice: 'auto' }, 60)).toEqual({
      messages,
      model: 'm',
      temperature: 0.7,
      max_tokens: 5,
      tools: null,
      tool_choice: 'auto',
      timeout: 60,
    });
  });

  it.each([
    ['no model', { messages }, 'model'],
    ['an empty model', { model: '', messages }, 'model'],
    ['messages not an array', { model: 'm', messages: 'hi' }, 'messages'],
    ['a message without a role', { model: 'm', messages: [{ content: 'x' }] }, 'messages.0.role'],
    ['a message that is an array', { model: 'm', messages: [[]] }, 'messages.0'],
    ['a hole in messages', { model: 'm', messages: [messages[0], , messages[0]] }, 'messages.1'],
    ['a null message', { model: 'm', messages: [null] }, 'messages.0'],
    ['a NaN temperature', { model: 'm', messages, temperature: NaN }, 'temperature'],
    ['an infinite temperature', { model: 'm', messages, temperature: Infinity }, 'temperature'],
    ['a fractional maxTokens', { model: 'm', messages, maxTokens: 1.5 }, 'maxTokens'],
    ['a maxTokens past the safe integers', { model: 'm', messages, maxTokens: 2 ** 53 }, 'maxTokens'],
    ['a zero maxTokens', { model: 'm', messages, maxTokens: 0 }, 'maxTokens'],
    ['tools not an array', { model: 'm', messages, tools: {} }, 'tools'],
    ['a negative timeout', { model: 'm', messages, timeout: -1 }, 'timeout'],
    ['an infinite timeout', { model: 'm', messages, timeout: Infinity }, 'timeout'],
  ])('rejects %s, naming the field', (_name, request, field) => {
    expect(rejection(request)).toMatch(new RegExp(`^Invalid request at "${field.replace(/\./g, '\\.')}": `));
  });

  it('rejects a request that is not an object', () => {
    expect(rejection(null)).toMatch(/^Invalid request at "\(root\)": /);
  });
});
