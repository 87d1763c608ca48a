/**
 * The value checks shared by the commands' options: each returns the parsed value or throws a
 * {@link UsageError} naming the option and what it got.
 */
import { UsageError } from './exit-codes';

/** A positive, finite number of seconds (decimals allowed). */
export function seconds(option: string, text: string): number {
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) throw new UsageError(`${option} takes a positive number of seconds, got "${text}"`);
  return value;
}

/** An absolute http: or https: URL, returned without trailing slashes. */
export function httpUrl(option: string, text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new UsageError(`${option} must be an http(s) URL, got "${text}"`);
  return text.replace(/\/+$/, '');
}

/** A TCP port, 0 (any free port) to 65535. */
export function portNumber(option: string, text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${option} takes a port number (0-65535), got "${text}"`);
  return port;
}
