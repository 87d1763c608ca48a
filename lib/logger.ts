/**
 * Where the client reports what it recovered from (a malformed stream line, a token refresh, a retry).
 * `console` fits. Nothing the client logs ever contains the token or a request's headers.
 */
export interface Logger {
  warn(message: string, ...meta: unknown[]): void;
  debug?(message: string, ...meta: unknown[]): void;
}

/** The default: malformed lines and refreshes are reported nowhere. */
export const silentLogger: Logger = { warn: () => undefined };

/**
 * `text` with every occurrence of `secret` replaced by `[redacted]`. A server may echo the request back (debug
 * error pages, a malformed line quoting the headers): our token must not travel on into a message or a log.
 */
export function withoutSecret(text: string, secret: string): string {
  return secret.length > 0 && text.includes(secret) ? text.split(secret).join('[redacted]') : text;
}

/** `url` without its user name and password: what a message or a log may show of a URL given with them. */
export function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}
