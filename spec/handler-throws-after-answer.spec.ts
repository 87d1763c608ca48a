/**
 * A handler that throws after its answer is complete (an `expect` that fails after `reply.json`, code after
 * `await reply.sse(...)`): nothing is left to cut. The gateway reset the socket all the same, two macrotasks
 * later, and with keep-alive (node's global agent, undici, axios) that socket was by then carrying the
 * client's NEXT request, which failed with ECONNRESET for a fault that was not its own.
 */
import { Agent, request as httpRequest } from 'node:http';
import { startTestGateway, type Reply, type TestGateway } from '../lib/testing';

let gateway: TestGateway;
let agent: Agent;
beforeEach(() => {
  agent = new Agent({ keepAlive: true, maxSockets: 1 });
});
afterEach(async () => {
  agent.destroy();
  await gateway?.close();
});

interface Outcome {
  status?: number;
  text?: string;
  error?: string;
  reusedSocket: boolean;
}

/** POSTs over the one kept-alive socket of `agent`. */
function post(path: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = httpRequest(gateway.url + path, { method: 'POST', agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, text, reusedSocket: req.reusedSocket }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code, reusedSocket: req.reusedSocket }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code, reusedSocket: req.reusedSocket }));
    req.end('{"model":"m","messages":[]}');
  });
}

const answers: Record<string, (seq: number, reply: Reply) => Promise<void> | void> = {
  'reply.json': (seq, reply) => reply.json(200, { content: `answer ${seq}` }),
  'await reply.sse': (seq, reply) => reply.sse([{ content: `answer ${seq}` }]),
};

it.each(Object.keys(answers))('a throw after a complete %s leaves the next request on that keep-alive socket alone', async (how) => {
  gateway = await startTestGateway();
  gateway.route(async (req, reply) => {
    await answers[how](req.seq, reply);
    if (req.seq === 1) throw new Error('expect() failed after the answer');
  });
  const first = await post('/api/v1/llm/chat');
  expect(first.status).toBe(200);
  expect(first.text).toContain('answer 1');
  const second = await post('/api/v1/llm/chat');
  expect(second).toMatchObject({ status: 200, reusedSocket: true });
  expect(second.text).toContain('answer 2');
  const [one] = gateway.requests;
  await one.closed;
  expect(one.abortedByClient).toBe(false);
});
