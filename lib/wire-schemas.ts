/**
 * The zod schemas of the gateway's wire format. This is the Node build's, on zod's chained API, whose object
 * parser is compiled to a function per schema (about 5× faster per payload than zod/mini's, which matters at a
 * million events a second). In the browser build (scripts/build-package.mjs) `wire-schemas.browser.ts`
 * replaces it: the same schemas on zod/mini, ~19 kB (min + gzip) less in a page that bundles zod for this
 * alone. spec/wire-schemas.spec.ts checks that both accept, give back and reject exactly the same values.
 */
import * as z from 'zod';
import { withEnglishIssues } from './english-issues';

/**
 * What protocol.ts needs of a schema: a parse giving the value, or issues with a path and an English message
 * (see ./english-issues).
 */
export interface WireSchema<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<WireIssue> } };
}

/** One reason a value does not fit. */
export interface WireIssue {
  path: PropertyKey[];
  message: string;
}

/** Token counts as the gateway sends them. */
export interface WireUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
}

/** A tool call as the gateway sends it. */
export interface WireToolCall {
  id?: string | null;
  name?: string | null;
  arguments?: Record<string, unknown> | null;
}

/** The fields a `/chat` answer and a stream payload share. */
export interface WireAnswer {
  content?: string | null;
  model?: string | null;
  usage?: WireUsage | null;
  tool_calls?: WireToolCall[] | null;
}

/** A request, as `LLMRequest` (camelCase, before it is mapped to the wire). */
export const requestSchema: WireSchema<unknown> = withEnglishIssues(
  z.object({
    messages: z.array(z.looseObject({ role: z.string() })),
    model: z.string().min(1),
    temperature: z.number().optional(),
    maxTokens: z.number().int().positive().optional(),
    tools: z.array(z.unknown()).nullish(),
    // (toolChoice: anything goes, so nothing to check)
    timeout: z.number().positive().optional(),
  }),
);

// Every answer field may be absent or null (the reference reads each with `.get()` and a default); one
// schema each, shared by every field of that type.
const optionalString = z.string().nullish();
const optionalNumber = z.number().nullish();

const answerFields = {
  content: optionalString,
  model: optionalString,
  usage: z.object({ prompt_tokens: optionalNumber, completion_tokens: optionalNumber }).nullish(),
  tool_calls: z.array(z.object({ id: optionalString, name: optionalString, arguments: z.record(z.string(), z.unknown()).nullish() })).nullish(),
};

/** A `/chat` answer. */
export const responseSchema: WireSchema<WireAnswer & { latency_ms?: number | null }> = withEnglishIssues(
  z.object({ ...answerFields, latency_ms: optionalNumber }),
);

/** One stream payload. */
export const chunkSchema: WireSchema<WireAnswer & { is_final?: boolean | null }> = withEnglishIssues(
  z.object({ ...answerFields, is_final: z.boolean().nullish() }),
);
