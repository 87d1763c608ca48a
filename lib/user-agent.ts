/**
 * What the client's requests say of the User-Agent. This is the Node build's: nothing, so axios' own
 * (`axios/x`) goes out, which a server's logs can tell apart from other clients. In the browser build
 * (scripts/build-package.mjs) `user-agent.browser.ts` replaces it.
 */

/** Headers added to each request; none here. */
export const userAgentHeaders: { 'User-Agent'?: false } = {};
