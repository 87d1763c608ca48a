/**
 * Tokens from the dev gateway's `POST /api/v1/auth/refresh` (answer `{"access_token": "..."}`): the refresh the
 * `chat` command hands to the client, and the dev login it starts with when no `--token-env` is given (a
 * refresh presenting no token, which the dev gateway of `llm-gateway-rx gateway` accepts).
 */
import axios from 'axios';
import { AuthenticationError, ConnectionError, errorDetail, RequestTimeoutError } from '../errors';
import { withoutCredentials, withoutSecret } from '../logger';
import { LONGEST_TIMER_MS } from '../timer-limit';

const REFRESH_PATH = '/api/v1/auth/refresh';

/**
 * POSTs to `{serverUrl}/api/v1/auth/refresh` with `current` as the Bearer token (none: a dev login) and resolves
 * with the new token. Rejects with {@link AuthenticationError} for any answer but a 200 with an `access_token`
 * (the message says how to pass a token instead), and with {@link ConnectionError} when the server is not there
 * or `signal` aborted the request, and with {@link RequestTimeoutError} when no answer came within `timeoutMs`.
 * No message contains a token (not even one the server echoes back) or a password in `serverUrl`.
 */
export async function fetchGatewayToken(serverUrl: string, current?: string, signal?: AbortSignal, timeoutMs = 30_000): Promise<string> {
  const url = serverUrl.replace(/\/+$/, '') + REFRESH_PATH;
  const shownUrl = withoutCredentials(url);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (current) headers.authorization = `Bearer ${current}`;
  let status: number;
  let text: string;
  try {
    const response = await axios.post(url, '{}', {
      headers,
      adapter: 'http',
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
      // Capped as the client caps its own timers: node runs a longer one after 1 ms, which would fail at once.
      timeout: Math.min(timeoutMs, LONGEST_TIMER_MS),
      signal,
    });
    status = response.status;
    text = String(response.data ?? '');
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Drop the axios error itself: its config carries the Authorization header.
    if ((code === 'ECONNABORTED' || code === 'ETIMEDOUT') && !signal?.aborted) throw new RequestTimeoutError(timeoutMs, 'refresh', { request: { method: 'POST', url: shownUrl } });
    throw new ConnectionError(`Cannot reach ${shownUrl}${code ? ` (${code})` : ''}`, { request: { method: 'POST', url: shownUrl } });
  }
  const token = status === 200 ? accessToken(text) : undefined;
  if (token) return token;
  // A server may quote the Authorization header back: cut the token out before the detail goes anywhere.
  const why = status === 200 ? 'no access_token in the answer' : `status ${status}: ${withoutSecret(errorDetail(text), current ?? '').slice(0, 200)}`;
  const hint = current ? '' : '; pass a JWT with --token-env VAR, or point --server at `llm-gateway-rx gateway`';
  throw new AuthenticationError(`Token ${current ? 'refresh' : 'request'} at ${shownUrl} failed (${why})${hint}`, { status, request: { method: 'POST', url: shownUrl } });
}

function accessToken(text: string): string | undefined {
  try {
    const token = (JSON.parse(text) as { access_token?: unknown } | null)?.access_token;
    return typeof token === 'string' && token !== '' ? token : undefined;
  } catch {
    return undefined;
  }
}
