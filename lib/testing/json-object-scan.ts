/**
 * Whether JSON text that arrives in fragments has, so far, closed one top-level object: each fragment is
 * scanned once, carrying strings, escapes and nesting depth over from the last, so asking after every fragment
 * costs linear work in all, where re-parsing the whole text each time is quadratic (a 400 kB tool call in
 * 10-byte fragments would be 8 GB of parsing). Structure only: whether the closed text is valid JSON is the
 * caller's one `JSON.parse`.
 */

/** The scan of the text so far: `closed` once its first object ended, `broken` if it cannot be one object. */
export interface ObjectScan {
  state: 'empty' | 'open' | 'closed' | 'broken';
  depth: number;
  inString: boolean;
  escaped: boolean;
}

/** A scan of no text yet. */
export function objectScan(): ObjectScan {
  return { state: 'empty', depth: 0, inString: false, escaped: false };
}

const WHITESPACE = ' \t\n\r';

/** Advances `scan` over `fragment`, the text appended to what it has seen. */
export function scanFragment(scan: ObjectScan, fragment: string): void {
  for (let i = 0; i < fragment.length && scan.state !== 'broken'; i++) {
    const c = fragment[i];
    if (scan.state === 'empty' || scan.state === 'closed') {
      // Before the object only whitespace may come, then `{`; after it only whitespace.
      if (WHITESPACE.includes(c)) continue;
      if (scan.state === 'empty' && c === '{') {
        scan.state = 'open';
        scan.depth = 1;
      } else {
        scan.state = 'broken';
      }
    } else if (scan.inString) {
      if (scan.escaped) scan.escaped = false;
      else if (c === '\\') scan.escaped = true;
      else if (c === '"') scan.inString = false;
    } else if (c === '"') {
      scan.inString = true;
    } else if (c === '{' || c === '[') {
      scan.depth++;
    } else if ((c === '}' || c === ']') && --scan.depth === 0) {
      scan.state = 'closed';
    }
  }
}
