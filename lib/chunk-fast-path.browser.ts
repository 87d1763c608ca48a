/**
 * The browser build leaves the fast path out: it saves microseconds per event, which matter at a million
 * events a second in a Node service, not on a page reading an answer at tens of events a second; its code
 * would cost every page load. Every payload takes the general path, which gives the same chunks (the fast
 * path's property test checks exactly that). Replaces `chunk-fast-path.ts` there (scripts/build-package.mjs).
 */
import type * as NodeBuild from './chunk-fast-path';

/** A reader that never takes the shortcut: `undefined` for every payload. */
export const createCommonChunkReader: typeof NodeBuild.createCommonChunkReader = () => () => undefined;
