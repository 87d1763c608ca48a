/** What the security specs look for a token in. */

/** A JWT-shaped token whose parts are easy to search for ('sEcReT', the base64 of 'secret-payload'). */
export const SECRET = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.sEcReT-sig';

/** Every form of an error a user might log: message, stack, JSON, and the cause chain. */
export function everyForm(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as Error & Record<string, unknown>;
    parts.push(String(e.message), String(e.stack), JSON.stringify(e), String(e));
    try {
      parts.push(JSON.stringify({ ...e }));
    } catch {
      parts.push('[circular]');
    }
    current = e.cause;
  }
  return parts.join('\n');
}

/** Every key reachable from the error through enumerable properties and causes. */
export function keysReachable(root: unknown): string[] {
  const keys: string[] = [];
  const seen = new Set<unknown>();
  const walk = (value: unknown, depth: number) => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 6) return;
    seen.add(value);
    for (const key of Object.keys(value)) {
      keys.push(key);
      walk((value as Record<string, unknown>)[key], depth + 1);
    }
    walk((value as { cause?: unknown }).cause, depth + 1);
  };
  walk(root, 0);
  return keys;
}
