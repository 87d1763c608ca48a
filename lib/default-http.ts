/**
 * The axios instance a client makes when given none. This is the Node build's; `default-http.browser.ts`
 * replaces it in the browser build (see scripts/build-package.mjs), which needs neither the runtime check nor
 * the proxy variables.
 */
import axios, { AxiosInstance } from 'axios';

/**
 * Node keeps axios' http adapter (no fetch/undici layer between us and the socket); everywhere else the fetch
 * adapter, the only axios adapter that streams a body in a browser (XHR buffers it whole). Node with axios'
 * browser build, which has no http adapter (Jest + jsdom resolves packages with the `browser` condition), gets
 * fetch, else XHR (jsdom has no fetch; the body is then read at its end).
 */
function defaultAdapter(): 'http' | 'fetch' | Array<'fetch' | 'xhr'> {
  const node = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (!node) return 'fetch';
  try {
    axios.getAdapter('http');
    return 'http';
  } catch {
    return ['fetch', 'xhr'];
  }
}

/**
 * In Node, axios looks the proxy environment variables up on every request (tens of microseconds of a ~1 ms
 * first chunk); when none is set (no `*_proxy` variable at all) that answer is always "no proxy", so it is
 * given once (`proxy: false`). With any set, axios keeps deciding per request, `NO_PROXY` and all. The
 * connections come from {@link keepAliveAgents}.
 */
export function createDefaultHttp(): AxiosInstance {
  const adapter = defaultAdapter();
  if (adapter !== 'http') return axios.create({ adapter });
  const proxyConfigured = Object.keys(process.env).some((name) => /_proxy$/i.test(name) && process.env[name]);
  const instance = axios.create({ adapter, ...keepAliveAgents(), ...(proxyConfigured ? {} : { proxy: false }) });
  // axios deep-merges its default header buckets (common, get, post, …) into every request's headers, then
  // flattens them: ~8 µs of each first chunk. The transport sets every header it sends, so there is nothing
  // to merge.
  instance.defaults.headers = {} as typeof instance.defaults.headers;
  return instance;
}

/** The TCP keep-alive delay axios' http adapter sets on the socket of every request. */
const AXIOS_TCP_KEEPALIVE_MS = 60_000;

let agents: { httpAgent?: object; httpsAgent?: object } | undefined;

/**
 * Copies of Node's global agents (their options: keep-alive, LIFO, the idle timeout, and anything an app set,
 * such as a CA) with the TCP keep-alive delay axios sets. With the global agents' 1 s, each request pays two
 * setsockopt round trips (~40 µs): axios sets 60 s on the socket it is handed, the agent sets 1 s back when
 * the socket returns to the pool. Agreeing, both calls are no-ops (Node skips an unchanged setting). One pair
 * for every default client, so they share connections. A global agent an app replaced (a proxy agent, say) is
 * used as it is. Loaded with `process.getBuiltinModule` (Node 20.16+), not imported: a bundler that ignores the
 * package's `browser` condition still finds no Node built-in to resolve; older Node keeps the global agents.
 */
function keepAliveAgents(): { httpAgent?: object; httpsAgent?: object } {
  if (agents) return agents;
  const load = process.getBuiltinModule as ((id: string) => unknown) | undefined;
  if (typeof load !== 'function') return {};
  agents = {
    httpAgent: agreeingCopy(load('node:http') as typeof import('node:http')),
    httpsAgent: agreeingCopy(load('node:https') as typeof import('node:https')),
  };
  return agents;
}

/** A copy of `module.globalAgent` with axios' keep-alive delay, or undefined (the global one) when it was replaced. */
function agreeingCopy({ Agent, globalAgent }: typeof import('node:http') | typeof import('node:https')): object | undefined {
  const { options } = globalAgent as unknown as { options: import('node:https').AgentOptions };
  if (Object.getPrototypeOf(globalAgent) !== Agent.prototype || !options.keepAlive) return undefined;
  return new Agent({ ...options, keepAliveMsecs: AXIOS_TCP_KEEPALIVE_MS });
}
