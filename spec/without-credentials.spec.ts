/** withoutCredentials: what a message or a log may show of a URL that was given with a user name or password. */
import { withoutCredentials } from '../lib/logger';

describe('withoutCredentials', () => {
  it('gives back a URL without credentials exactly as it came (not re-serialized)', () => {
    expect(withoutCredentials('http://gateway.example.com')).toBe('http://gateway.example.com');
    expect(withoutCredentials('HTTP://Gateway.example.com:80/v1')).toBe('HTTP://Gateway.example.com:80/v1');
  });

  it.each([
    ['user name and password', 'http://user:pa55word@gateway.example.com/v1', 'http://gateway.example.com/v1'],
    ['user name only', 'http://user@gateway.example.com/v1', 'http://gateway.example.com/v1'],
    ['password only', 'https://:pa55word@gateway.example.com/v1', 'https://gateway.example.com/v1'],
  ])('drops the %s of a URL that parses', (_name, url, shown) => {
    expect(withoutCredentials(url)).toBe(shown);
  });

  it.each([
    ['a port out of range', 'http://user:pa55word@gateway.example.com:99999/v1', 'http://gateway.example.com:99999/v1'],
    ['a raw "@" in the password', 'http://user:pa55@word@gateway.example.com:99999', 'http://gateway.example.com:99999'],
    ['a raw "/" in the password', 'http://user:pa55/word@gateway.example.com', 'http://gateway.example.com'],
    ['a raw "?" in the password', 'http://user:pa55?word@gateway.example.com', 'http://gateway.example.com'],
    ['no "//" after the scheme', 'http:user:pa55word@gateway.example.com:99999', 'http:gateway.example.com:99999'],
    ['the scheme\'s ":" missing', 'https//user:pa55word@gateway.example.com/v1', 'https//gateway.example.com/v1'],
    ['no scheme before "//"', '//user:pa55word@gateway.example.com/v1', '//gateway.example.com/v1'],
    ['a "//" in the password of a URL without one after the scheme', 'http:user:pa//55@gateway.example.com:99999', 'http:gateway.example.com:99999'],
    ['a backslash for a slash', 'http:\\\\user:pa55word@gateway.example.com:99999', 'http:gateway.example.com:99999'],
    ['a line break in the password', 'http://user:pa55\nword@gateway.example.com:99999', 'http://gateway.example.com:99999'],
  ])('drops what stands between "//" (or the scheme) and the last "@" of a URL that does not parse: %s', (_name, url, shown) => {
    expect(() => new URL(url)).toThrow();
    expect(withoutCredentials(url)).toBe(shown);
  });

  it.each([
    ['no scheme at all: "user:" read as one', 'user:pa55word@gateway.example.com', 'user:gateway.example.com'],
    ['a scheme without "//"', 'gateway:user:pa55word@gateway.example.com', 'gateway:gateway.example.com'],
  ])('drops what stands before the last "@" of a URL that parses without a host: %s', (_name, url, shown) => {
    // The URL parser reads these as a scheme and an opaque path: no user name, no password, though a reader
    // sees one.
    expect(new URL(url).host).toBe('');
    expect(withoutCredentials(url)).toBe(shown);
  });

  it('keeps an "@" in the path of a URL with a host (no credentials there)', () => {
    expect(withoutCredentials('https://gateway.example.com/@team/v1')).toBe('https://gateway.example.com/@team/v1');
  });
});
