/**
 * Where the client reports what it recovered from (a malformed stream line, a token refresh; retries are
 * reported on `status$` only). `console` fits. Nothing the client logs ever contains the token or a request's headers.
 */
export interface Logger {
  warn(message: string, ...meta: unknown[]): void;
  debug?(message: string, ...meta: unknown[]): void;
}

/** The default: malformed lines and refreshes are reported nowhere. */
export const silentLogger: Logger = { warn: () => undefined };

/** The shortest start of a secret, at the end of a text, that {@link withoutSecret} redacts. */
const PARTIAL_SECRET_CHARS = 8;

/**
 * `text` with every occurrence of `secret` replaced by `[redacted]`. A server may echo the request back (debug
 * error pages, a malformed line quoting the headers): our token must not travel on into a message or a log.
 * A text that ends in the first {@link PARTIAL_SECRET_CHARS} or more characters of `secret` has that end
 * replaced too: an error body that stalled or broke off (or was cut at a bound) mid-token holds all of it but
 * its last characters. A JSON text may spell `secret` with escapes (`\u002B` for '+', as ASP.NET's encoder
 * writes it; `\/` for '/', as PHP's does) where it is quoted raw (an error body that is not JSON or too long to
 * parse, a malformed line): when such a spelling remains, the text is given back decoded, and redacted.
 */
export function withoutSecret(text: string, secret: string): string {
  if (secret.length === 0) return text;
  const shown = withoutPlainSecret(text, secret);
  if (!shown.includes('\\')) return shown;
  const decoded = shown
    .replace(JSON_ESCAPE, (escape: string, hex?: string) => (hex ? String.fromCharCode(parseInt(hex, 16)) : escape[1]))
    // An escape the text breaks off in (a body cut mid-token) stands for the token's next character: the token's
    // start before it is looked for as at any other end.
    .replace(CUT_ESCAPE, '');
  const clean = withoutPlainSecret(decoded, secret);
  // Unchanged (escapes and all) unless the escapes hid the secret.
  return clean === decoded ? shown : clean;
}

/** A JSON string escape that may stand for a character of a token: `\uXXXX` or `\/`. */
const JSON_ESCAPE = /\\(?:u([0-9a-fA-F]{4})|\/)/g;

/** A JSON string escape cut short at the end of a text: `\`, `\u`, `\u0` … `\u002`. */
const CUT_ESCAPE = /\\(?:u[0-9a-fA-F]{0,3})?$/;

/** {@link withoutSecret} on the text as it is. */
function withoutPlainSecret(text: string, secret: string): string {
  const whole = text.includes(secret) ? text.split(secret).join('[redacted]') : text;
  // Only where the secret's first characters occur can its start begin: a native search finds those places,
  // rather than comparing at every position of the last secret-length of the text (that was quadratic in the
  // token's length, and runs for each malformed line a hostile stream sends).
  // (A place found leaves at least the head's length to the end; a secret shorter than the head is its own
  // head, and no end shorter than the secret starts with all of it: only whole occurrences count then.)
  const head = secret.slice(0, PARTIAL_SECRET_CHARS);
  for (let start = whole.indexOf(head, Math.max(0, whole.length - secret.length + 1)); start >= 0; start = whole.indexOf(head, start + 1)) {
    if (secret.startsWith(whole.slice(start))) return `${whole.slice(0, start)}[redacted]`;
  }
  return whole;
}

/**
 * `url` without its user name and password: what a message or a log may show of a URL given with them. A URL
 * without them is given back as it is. One that does not parse (a port out of range, a password holding a `/`,
 * `?` or `#` as it is, a typo such as `https//`), or parses without a host (`user:pa55word@host` reads as the
 * scheme `user:`), loses whatever stands between the `//` after its scheme (else the scheme's `:`, else its
 * start) and its last `@`, line breaks included.
 */
export function withoutCredentials(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return withoutUserInfo(url);
  }
  if (!parsed.username && !parsed.password) return parsed.host === '' ? withoutUserInfo(url) : url;
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}

/** What stands between a URL's `//` (else its scheme's `:`, else its start) and its last `@`, cut out. */
function withoutUserInfo(url: string): string {
  return url.replace(/^([^:/?#@]*:?\/\/|[^:/?#]*:|).*@/s, '$1');
}
