/**
 * The part of every request's axios config that is the same for every request: what the client relies on,
 * set over whatever an app's axios instance has as defaults. axios merges a request's config over the
 * instance's and reads `undefined` as unset, so each field here is a value, or `null` where the value is
 * "none". Made once, not per request.
 */
import type { AxiosRequestConfig } from 'axios';

/** The fields every request sets over an instance's defaults, each with why; spread into each request's config. */
export const fixedRequestConfig = {
  responseType: 'stream',
  // We map every status ourselves, and read every body ourselves (as a stream: bounded, parsed to a typed error).
  validateStatus: () => true,
  transformResponse: [(data: unknown) => data],
  // The body we send: a request transform renaming keys would rename a tool schema's properties.
  transformRequest: [(data: unknown) => JSON.stringify(data)],
  // How long we wait: our timeouts are the client's; axios' would cut a long stream and look like a network error.
  timeout: 0,
  // Reading the gzip axios asks for.
  decompress: true,
  // The URL: a baseURL with absolute URLs refused would send the token to the baseURL host.
  allowAbsoluteUrls: true,
  // An instance's `auth` (Basic credentials for the app's own API) would replace the Bearer token, and its
  // `params` would land in every URL (axios' types leave `null` out of `auth`).
  auth: null as unknown as undefined,
  params: null,
  // Where the token goes, and with what: an instance's `socketPath` would send the request (token and all) to
  // that Unix socket instead of serverUrl's host; `withXSRFToken` would add the app's XSRF cookie as a header
  // (which a cross-origin gateway's CORS preflight may refuse). Cookies (`withCredentials`) stay the app's
  // call: a same-origin gateway behind the app's login proxy needs them.
  socketPath: null,
  withXSRFToken: false,
  // HTTP/1.1, which every gateway speaks and whose socket closes on unsubscribe (HTTP/2 to a gateway without
  // it fails every request; with it, an unsubscribe would close a stream of a shared session only).
  httpVersion: 1,
  // The body goes whole, with its Content-Length: an instance's `maxBodyLength` would refuse a long chat as a
  // "network error" (one a retry policy re-sends), its `onUploadProgress` would stream it chunked (a
  // browser's fetch streams a request body over HTTP/2 only: over HTTP/1.1 every request would fail).
  maxBodyLength: -1,
  onUploadProgress: null as unknown as undefined,
  // Never follow a redirect: following one could carry the Authorization header to another origin.
  maxRedirects: 0,
  // For the fetch adapter, which merges an instance's `fetchOptions` into these: a CORS request (`no-cors`
  // would drop the Authorization header and send the body as text/plain), not `keepalive` (a browser caps
  // its body at 64 KiB), never from a cache (`only-if-cached` fails), no `integrity` (a hash of the app's
  // would fail the answer after the gateway has acted on the request).
  fetchOptions: { redirect: 'manual', mode: 'cors', keepalive: false, cache: 'no-store', integrity: '' },
  // Bodies are bounded by us (transport.ts). An instance default here would make axios wrap the Node body in
  // a generator-backed Readable whose destroy() no longer reaches the socket.
  maxContentLength: -1,
} satisfies AxiosRequestConfig;
