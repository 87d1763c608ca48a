/**
 * English validation messages for the wire schemas, whatever an app set zod-wide. zod keeps its settings
 * (`z.config`: a locale, a `customError`) in one object on globalThis, shared by every zod in the process, the
 * app's included, and zod/mini carries no messages at all: left to them, an app's `z.config(z.locales.de())`
 * would turn a `ResponseValidationError` German, or a page's into "Invalid input". zod's English messages are
 * passed to the parse instead (a per-parse map outranks the zod-wide ones).
 *
 * Only to a parse that failed, which is then run again: a parse given any options is several times slower in
 * zod 4 (its compiled object parser is skipped: 0.1 -> 2 us for a common stream payload, measured), and every
 * stream payload off the fast path is parsed. A value that fails fails again the same way.
 */
import { en } from 'zod/locales';
import type { WireIssue, WireSchema } from './wire-schemas';

const inEnglish = { error: en().localeError };

/** The parse of a zod schema, classic or mini, as far as this needs it. */
interface ZodParse<T> {
  safeParse(data: unknown, params?: typeof inEnglish): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<WireIssue> } };
}

/** `schema` as a {@link WireSchema} whose issues carry zod's English messages. */
export function withEnglishIssues<T>(schema: ZodParse<T>): WireSchema<T> {
  return {
    safeParse(data) {
      const result = schema.safeParse(data);
      return result.success ? result : schema.safeParse(data, inEnglish);
    },
  };
}
