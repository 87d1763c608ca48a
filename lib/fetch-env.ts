/**
 * What the client hands axios' fetch adapter as `env`: fetch's own `Response`, except that an answer whose
 * status never has a body (204, 205, 304) gets none. Chromium hands such an answer an empty body stream rather
 * than null; the adapter re-wraps a streamed body in a new `Response`, which the browser refuses for these
 * statuses ("Response with null body status cannot have body"), so a 204 became a status-less ConnectionError,
 * one a retry policy would even re-send. Without a body the status is mapped as any other (see bodyBytes).
 */
import type { AxiosRequestConfig } from 'axios';

/** What of axios' `env` this sets. */
type FetchEnv = Required<Pick<NonNullable<AxiosRequestConfig['env']>, 'Response'>>;

/** The statuses `Response` takes with a null body only (Fetch standard, "null body status"; 101/103 never reach it). */
const NULL_BODY_STATUSES = [204, 205, 304];

let env: FetchEnv | undefined;

/** The `env` for a request's axios config; `undefined` in a runtime without fetch's `Response`, where the fetch adapter cannot run. */
export function fetchEnv(): FetchEnv | undefined {
  if (env || typeof Response !== 'function') return env;
  // Made on first use, not at import: a runtime without fetch (jsdom) must still load the library.
  class NullBodyWhereDue extends Response {
    constructor(body?: BodyInit | null, init?: ResponseInit) {
      super(NULL_BODY_STATUSES.includes(init?.status ?? 200) ? null : body, init);
    }
  }
  // (axios types the body a little narrower than the DOM's BodyInit; any body it passes, fetch takes.)
  return (env = { Response: NullBodyWhereDue as FetchEnv['Response'] });
}
