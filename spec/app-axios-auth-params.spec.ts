/**
 * An app's own axios instance whose defaults carry credentials or query parameters for the app's own API
 * (`auth: { username, password }`, `params: { api_key }`). axios turns `auth` into `Authorization: Basic …`,
 * which would replace the client's Bearer JWT (the app's password sent to the gateway, the token never), and
 * appends `params` to every URL (the app's key in the gateway's access log). Neither applies to the client's
 * requests.
 */
import axios from 'axios';
import { clientFor, hello, record, useGateway } from './support/harness';

const ctx = useGateway();
const answer = { content: 'hello', model: 'm', usage: { prompt_tokens: 1, completion_tokens: 1 }, tool_calls: [], latency_ms: 1 };
const withAppDefaults = (adapter: 'http' | 'fetch') =>
  axios.create({ adapter, auth: { username: 'app-user', password: 'app-pass' }, params: { api_key: 'app-key' } });

describe.each(['http', 'fetch'] as const)("an instance (%s adapter) with `auth` and `params` defaults for the app's API", (adapter) => {
  it.each(['chat$', 'chatStream$'] as const)('%s still sends the Bearer JWT, and neither the app credentials nor its query', async (method) => {
    ctx.gateway.route((req, reply) => (req.path.endsWith('/stream') ? reply.sse([{ content: 'hello', is_final: true }]) : reply.json(200, answer)));
    const { client } = clientFor(ctx.gateway, { axios: withAppDefaults(adapter) }, 'the-jwt');
    const result = await record<{ content: string }>(client[method](hello));
    expect(result.error).toBeUndefined();
    expect(result.values.map((value) => value.content)).toEqual(['hello']);
    const [request] = ctx.gateway.requests;
    expect(request.headers.authorization).toBe('Bearer the-jwt');
    expect(request.path).toBe(`/api/v1/llm/${method === 'chat$' ? 'chat' : 'chat/stream'}`);
  });
});
