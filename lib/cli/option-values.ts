/**
 * The value checks shared by the commands' options: each returns the parsed value or throws a
 * {@link UsageError} naming the option and what it got.
 */
import { baseUrlFault, CREDENTIALS_FAULT, hasCredentials } from '../client-options';
import { UsageError } from './exit-codes';

/** A positive, finite number of seconds (decimals allowed). */
export function seconds(option: string, text: string): number {
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) throw new UsageError(`${option} takes a positive number of seconds, got "${text}"`);
  return value;
}

/**
 * An absolute http: or https: base URL, returned without trailing slashes. Paths are appended to it as text,
 * so a `?query` or `#fragment` (which would land in front of them) is refused. The URL is quoted without a
 * password, even when it does not parse: stderr goes to terminals and CI logs.
 */
export function httpUrl(option: string, text: string): string {
  const fault = baseUrlFault(text);
  if (fault) throw new UsageError(`${option} must ${fault}`);
  return text.replace(/\/+$/, '');
}

/**
 * {@link httpUrl} for the gateway: one with a user name or password is refused here, before the dev login
 * would hand them to the server as Basic auth, since the client refuses it anyway (the token authenticates).
 */
export function gatewayUrl(option: string, text: string): string {
  const url = httpUrl(option, text);
  if (hasCredentials(url)) throw new UsageError(`${option} must ${CREDENTIALS_FAULT}`);
  return url;
}

/** A TCP port, 0 (any free port) to 65535. */
export function portNumber(option: string, text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${option} takes a port number (0-65535), got "${text}"`);
  return port;
}
