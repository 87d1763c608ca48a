/**
 * The value checks shared by the commands' options: each returns the parsed value or throws a
 * {@link UsageError} naming the option and what it got.
 */
import { withoutCredentials } from '../logger';
import { UsageError } from './exit-codes';

/** A positive, finite number of seconds (decimals allowed). */
export function seconds(option: string, text: string): number {
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) throw new UsageError(`${option} takes a positive number of seconds, got "${text}"`);
  return value;
}

/**
 * An absolute http: or https: base URL, returned without trailing slashes. Paths are appended to it as text,
 * so a `?query` or `#fragment` (which would land in front of them) is refused.
 */
export function httpUrl(option: string, text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  // Shown without a password, even when it does not parse (a typo in the port): stderr goes to terminals and CI logs.
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new UsageError(`${option} must be an http(s) URL, got "${withoutCredentials(text)}"`);
  // `text`, not `url`: an empty `?` or `#` leaves `search` / `hash` empty but would still cut the path off.
  if (/[?#]/.test(text)) throw new UsageError(`${option} must be a base URL, without ?query or #fragment, got "${withoutCredentials(text)}"`);
  return text.replace(/\/+$/, '');
}

/**
 * {@link httpUrl} for the gateway: one with a user name or password is refused here, before the dev login
 * would hand them to the server as Basic auth, since the client refuses it anyway (the token authenticates).
 */
export function gatewayUrl(option: string, text: string): string {
  const url = httpUrl(option, text);
  const { username, password } = new URL(url);
  if (username || password) throw new UsageError(`${option} must not carry a user name or password: the token authenticates`);
  return url;
}

/** A TCP port, 0 (any free port) to 65535. */
export function portNumber(option: string, text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${option} takes a port number (0-65535), got "${text}"`);
  return port;
}
