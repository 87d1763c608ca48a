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
  // Credentials first: axios would send them as Basic auth in place of the Bearer token, and every error's
  // request.url would show them.
  const fault = hasCredentials(serverUrl) ? CREDENTIALS_FAULT : baseUrlFault(serverUrl);
  if (fault) throw new LLMProviderError(`serverUrl must ${fault}`);
  return serverUrl.replace(/\/+$/, '');
}

/** Why a URL with a user name or password is refused where a token authenticates, as the end of "… must …". */
export const CREDENTIALS_FAULT = 'not carry a user name or password: the token authenticates';

/** Whether `text` parses as a URL that carries a user name or password. */
export function hasCredentials(text: string): boolean {
  const url = parsedUrl(text);
  return Boolean(url?.username || url?.password);
}

/**
 * What keeps `text` from being a base URL that paths are appended to, as the end of "<name> must …", or
 * `undefined`: it is no http(s) URL, or it has a `?query` or `#fragment`, which the paths would land in. The
 * text is quoted without credentials, even when it does not parse (a typo in the port). (Shared with the CLI's
 * --server and --upstream.)
 */
export function baseUrlFault(text: string): string | undefined {
  const url = parsedUrl(text);
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') return `be an http(s) URL, got "${withoutCredentials(text)}"`;
  // `text`, not `url`: an empty `?` or `#` leaves `search` / `hash` empty but would still cut the path off.
  if (/[?#]/.test(text)) return `be a base URL, without ?query or #fragment, got "${withoutCredentials(text)}"`;
  return undefined;
}

/**
 * `text` as a URL, or `undefined` when it does not parse. The parser's error is dropped: it holds the whole
 * text as its `input`, a password included.
 */
function parsedUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
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
