/**
 * @jest-environment node
 * @jest-environment-options {"customExportConditions": ["browser", "require", "default"]}
 */
/**
 * Node resolving packages with the `browser` condition, as Jest + jsdom does: axios is then its browser build,
 * which has no http adapter. The default client must still work (over fetch here), not fail every request.
 */
import axios from 'axios';
import { lastValueFrom, toArray } from 'rxjs';
import { clientFor, hello, useGateway } from './support/harness';

const ctx = useGateway();

it("runs on axios' browser build: it has no http adapter, and the default client works without it", async () => {
  expect(() => axios.getAdapter('http')).toThrow(); // this really is the browser build
  ctx.gateway.route((_req, reply) => reply.sse([{ content: 'one ' }, { content: 'two' }]));
  const { client } = clientFor(ctx.gateway);
  const chunks = await lastValueFrom(client.chatStream$(hello).pipe(toArray()));
  expect(chunks.map((c) => c.content).join('')).toBe('one two');
  ctx.gateway.route((_req, reply) => reply.json(200, { content: 'whole' }));
  expect((await lastValueFrom(client.chat$(hello))).content).toBe('whole');
});
