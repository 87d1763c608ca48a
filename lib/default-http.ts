/**
 * The axios instance a client makes when given none. This is the Node build's; `default-http.browser.ts`
 * replaces it in the browser build (see scripts/build-package.mjs), which needs neither the runtime check nor
 * the proxy variables.
 */
import axios, { AxiosInstance } from 'axios';

/**
 * Node keeps axios' http adapter (no fetch/undici layer between us and the socket); everywhere else the fetch
 * adapter, the only axios adapter that streams a body in a browser (XHR buffers it whole).
 */
function defaultAdapter(): 'http' | 'fetch' {
  const node = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  return node ? 'http' : 'fetch';
}

/**
 * In Node, axios looks the proxy environment variables up on every request (tens of microseconds of a ~1 ms
 * first chunk); when none is set (no `*_proxy` variable at all) that answer is always "no proxy", so it is
 * given once (`proxy: false`). With any set, axios keeps deciding per request, `NO_PROXY` and all.
 */
export function createDefaultHttp(): AxiosInstance {
  const adapter = defaultAdapter();
  if (adapter !== 'http') return axios.create({ adapter });
  const proxyConfigured = Object.keys(process.env).some((name) => /_proxy$/i.test(name) && process.env[name]);
  return axios.create(proxyConfigured ? { adapter } : { adapter, proxy: false });
}
