/**
 * The checks of the client's options at construction: a wrong option fails at once, with a message naming it
 * and what it must be, rather than quietly meaning something else at the first request.
 */
import { LLMProviderError } from './errors';
import { withoutCredentials } from './logger';
import type { RetryPolicy } from './retry-request';

/**
 * `serverUrl` without its trailing slashes, if it is an http(s) base URL without credentials, query or fragment;
 * else throws.
 */
export function checkServerUrl(serverUrl: string): string {
  let url: URL | undefined;
  try {
    url = new URL(serverUrl);
  } catch {
    // No cause kept: the URL parser's error holds the whole text as its `input`, a password included.
    url = undefined;
  }
  // Checked first, so that no message shows the password. axios would send them as Basic auth in place of the
  // Bearer token, and every error's request.url would show them.
  if (url?.username || url?.password) throw new LLMProviderError('serverUrl must not carry a user name or password: the token authenticates');
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    // A text that does not parse may still hold a password (a typo in the port): not shown either.
    throw new LLMProviderError(`serverUrl must be an http(s) URL, got "${withoutCredentials(serverUrl)}"`);
  }
  // The paths are appended as text: after a `?` or `#` (even an empty one) they would be query or fragment.
  if (/[?#]/.test(serverUrl)) throw new LLMProviderError(`serverUrl must be a base URL, without ?query or #fragment, got "${serverUrl}"`);
  return serverUrl.replace(/\/+$/, '');
}

/**
 * Throws unless `count` is a whole number ≥ 0 or Infinity and the delays are ≥ 0: NaN or a negative count would
 * quietly mean "never retry", a negative delay "no wait".
 */
export function checkRetryPolicy({ count, baseDelayMs = 0, maxDelayMs = 0 }: RetryPolicy): void {
  check('retry.count', count, (Number.isInteger(count) || count === Infinity) && count >= 0, 'a whole number ≥ 0 or Infinity');
  check('retry.baseDelayMs', baseDelayMs, baseDelayMs >= 0, 'a number ≥ 0');
  check('retry.maxDelayMs', maxDelayMs, maxDelayMs >= 0, 'a number ≥ 0');
}

/** `value` if it is a positive number (Infinity is not); else throws, naming the option `name`. */
export function positive(name: string, value: number): number {
  return check(name, value, value > 0 && Number.isFinite(value), 'a positive number');
}

/** `value` if `valid`, else throws "`name` must be `rule`, got `value`". */
function check(name: string, value: number, valid: boolean, rule: string): number {
  if (!valid) throw new LLMProviderError(`${name} must be ${rule}, got ${value}`);
  return value;
}
