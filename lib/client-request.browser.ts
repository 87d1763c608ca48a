/**
 * The browser build's `client-request.ts` (scripts/build-package.mjs): a browser adapter's request (a fetch
 * `Request`, an XMLHttpRequest) has no handle to destroy, so the request's signal ends it, and an unfinished
 * upload stops with the fetch it belongs to.
 */
import type * as NodeBuild from './client-request';

/** Nothing to stop: the fetch adapter stops sending when the call is over. */
export const stopUpload: typeof NodeBuild.stopUpload = () => undefined;

/** Aborts the request's signal, which closes the connection at once (see the Node build's comment). */
export const closeConnection: typeof NodeBuild.closeConnection = (_response, abort) => abort();
