/**
 * The browser build has no Node streams: axios' fetch adapter gives a WHATWG `ReadableStream`, which
 * `body-stream.ts` reads itself. Replaces `node-stream-body.ts` there (scripts/build-package.mjs); reached only
 * when a custom axios instance hands over a Node-style stream (an object with `on`) in a browser.
 */
import { throwError } from 'rxjs';
import { LLMProviderError } from './errors';
import type * as NodeBuild from './node-stream-body';

/** Errors with {@link LLMProviderError}: this build reads WHATWG streams only (axios' `adapter: 'fetch'`). */
export const nodeStreamBytes: typeof NodeBuild.nodeStreamBytes = (_body, request) =>
  throwError(() => new LLMProviderError("Response body is not a ReadableStream: use axios' adapter: 'fetch' in a browser", { request }));
