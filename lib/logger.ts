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
