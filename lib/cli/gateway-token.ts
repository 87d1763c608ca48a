/**
 * Tokens from the dev gateway's `POST /api/v1/auth/refresh` (answer `{"access_token": "..."}`): the refresh the
 * `chat` command hands to the client, and the dev login it starts with when no `--token-env` is given (a
 * refresh presenting no token, which the dev gateway of `llm-gateway-rx gateway` accepts).
 */
import axios from 'axios';
import { AuthenticationError, ConnectionError, errorDetail } from '../errors';

const REFRESH_PATH = '/api/v1/auth/refresh';

/**
 * POSTs to `{serverUrl}/api/v1/auth/refresh` with `current` as the Bearer token (none: a dev login) and resolves
 * with the new token. Rejects with {@link AuthenticationError} for any answer but a 200 with an `access_token`
 * (the message says how to pass a token instead), and with {@link ConnectionError} when the server is not there
 * or `signal` aborted the request. Neither message contains a token.
 */
export async function fetchGatewayToken(serverUrl: string, current?: string, signal?: AbortSignal): Promise<string> {
  const url = serverUrl.replace(/\/+$/, '') + REFRESH_PATH;
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
      timeout: 30_000,
      signal,
    });
    status = response.status;
    text = String(response.data ?? '');
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Drop the axios error itself: its config carries the Authorization header.
    throw new ConnectionError(`Cannot reach ${url}${code ? ` (${code})` : ''}`, { request: { method: 'POST', url } });
  }
  const token = status === 200 ? accessToken(text) : undefined;
  if (token) return token;
  const why = status === 200 ? 'no access_token in the answer' : `status ${status}: ${errorDetail(text).slice(0, 200)}`;
  const hint = current ? '' : '; pass a JWT with --token-env VAR, or point --server at `llm-gateway-rx gateway`';
  throw new AuthenticationError(`Token ${current ? 'refresh' : 'request'} at ${url} failed (${why})${hint}`, { status, request: { method: 'POST', url } });
}

function accessToken(text: string): string | undefined {
  try {
    const token = (JSON.parse(text) as { access_token?: unknown } | null)?.access_token;
    return typeof token === 'string' && token !== '' ? token : undefined;
  } catch {
    return undefined;
  }
}
