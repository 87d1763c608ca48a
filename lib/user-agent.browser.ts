/**
 * The browser build's `user-agent.ts`: axios' fetch adapter (since 1.16) sets `User-Agent: axios/x` unless the
 * header is `false`. Chromium drops it; Firefox sends it, so the CORS preflight asks for `user-agent` and a
 * gateway that allows Authorization and Content-Type only refuses every cross-origin request. The page keeps
 * the browser's own User-Agent.
 */
import type * as NodeBuild from './user-agent';

/** `false`: axios sets no User-Agent of its own. */
export const userAgentHeaders: typeof NodeBuild.userAgentHeaders = { 'User-Agent': false };
