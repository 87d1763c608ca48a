/**
 * The browser build's `wire-schemas.ts` (scripts/build-package.mjs): the same schemas on zod/mini, which a
 * bundler shrinks to the parts used (~8 kB min + gzip with the English messages, against ~27 kB for zod's
 * chained API). A page parses tens of events a second, so mini's slower object parser costs it nothing.
 */
import * as z from 'zod/mini';
import { withEnglishIssues as english } from './english-issues';
import type * as NodeBuild from './wire-schemas';

export const requestSchema: typeof NodeBuild.requestSchema = english(
  z.object({
    messages: z.array(z.looseObject({ role: z.string() })),
    model: z.string().check(z.minLength(1)),
    temperature: z.optional(z.number()),
    maxTokens: z.optional(z.int().check(z.positive())),
    tools: z.nullish(z.array(z.unknown())),
    timeout: z.optional(z.number().check(z.positive())),
  }),
);

const optionalString = z.nullish(z.string());
const optionalNumber = z.nullish(z.number());

const answerFields = {
  content: optionalString,
  model: optionalString,
  usage: z.nullish(z.object({ prompt_tokens: optionalNumber, completion_tokens: optionalNumber })),
  tool_calls: z.nullish(z.array(z.object({ id: optionalString, name: optionalString, arguments: z.nullish(z.record(z.string(), z.unknown())) }))),
};

export const responseSchema: typeof NodeBuild.responseSchema = english(z.object({ ...answerFields, latency_ms: optionalNumber }));

export const chunkSchema: typeof NodeBuild.chunkSchema = english(z.object({ ...answerFields, is_final: z.nullish(z.boolean()) }));
