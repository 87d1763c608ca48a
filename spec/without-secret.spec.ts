/** withoutSecret: every whole occurrence, and a cut-off start at the end of a text, come out redacted. */
import fc from 'fast-check';
import { withoutSecret } from '../lib/logger';

/** The definition, compared at every position: what the fast version must equal. */
function byDefinition(text: string, secret: string): string {
  if (secret.length === 0) return text;
  const whole = text.includes(secret) ? text.split(secret).join('[redacted]') : text;
  for (let start = Math.max(0, whole.length - secret.length + 1); start <= whole.length - 8; start++) {
    if (secret.startsWith(whole.slice(start))) return `${whole.slice(0, start)}[redacted]`;
  }
  return whole;
}

describe('withoutSecret', () => {
  it('redacts whole occurrences, and the end of a text that is the first 8+ characters of the secret', () => {
    const secret = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig';
    expect(withoutSecret(`a ${secret} b ${secret}`, secret)).toBe('a [redacted] b [redacted]');
    expect(withoutSecret(`invalid token ${secret.slice(0, -3)}`, secret)).toBe('invalid token [redacted]');
    expect(withoutSecret(`ends in ${secret.slice(0, 7)}`, secret)).toBe(`ends in ${secret.slice(0, 7)}`);
    expect(withoutSecret('anything', '')).toBe('anything');
    // A secret shorter than 8 characters: whole occurrences only, even where the replacement text and what
    // follows it happen to spell it.
    expect(withoutSecret(']aa', ']a')).toBe('[redacted]a');
  });

  it('equals the definition on texts built from pieces of the secret (2,000 runs)', () => {
    // A small alphabet, so texts hold the secret, its starts and near misses often.
    const chars = fc.constantFrom('a', 'b', 'c', '[', ']');
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 12 }), fc.array(fc.string({ unit: chars, maxLength: 16 }), { maxLength: 6 }), (secret, pieces) => {
        const text = pieces.map((piece, i) => (i % 2 ? secret.slice(0, piece.length) : piece)).join('');
        expect(withoutSecret(text, secret)).toBe(byDefinition(text, secret));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('withoutSecret on a secret spelled with JSON escapes', () => {
  // An opaque token with '+' and '/', as an encoder that escapes them quotes it.
  const secret = 'AbCdEfGhIjKl+MnOpQrSt/uVwXyZ==';

  it('redacts \\uXXXX escapes in lower-case hex as in upper-case (JSON allows both)', () => {
    const lower = secret.replace('+', '\\u002b').replace('/', '\\u002f');
    expect(withoutSecret(`{"detail":"rejected ${lower}"}`, secret)).toBe('{"detail":"rejected [redacted]"}');
    expect(withoutSecret(`rejected ${lower.slice(0, -4)}`, secret)).toBe('rejected [redacted]');
  });

  it('keeps the escapes that stand for no character of the secret (\\n, \\") in the decoded text', () => {
    const escaped = secret.replace('+', '\\u002B').replace('/', '\\/');
    expect(withoutSecret(`{"detail":"line\\none \\"${escaped}\\""}`, secret)).toBe('{"detail":"line\\none \\"[redacted]\\""}');
  });
});

describe('withoutSecret on a text ending in a start of the secret', () => {
  it('finds the start where the secret\'s first 8 characters occur at neighbouring places', () => {
    // The head "aaaaaaaa" occurs at 1 and at 2; only the second starts the secret.
    const secret = `${'a'.repeat(8)}b0123456789`;
    expect(withoutSecret(`x${'a'.repeat(9)}b`, secret)).toBe('xa[redacted]');
  });

  it('redacts a text that is nothing but a start of the secret (a body cut off mid-token)', () => {
    const secret = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig';
    expect(withoutSecret(secret.slice(0, -3), secret)).toBe('[redacted]');
    expect(withoutSecret(secret.slice(0, 8), secret)).toBe('[redacted]');
  });
});
