/**
 * `llm-gateway-rx gateway` serving many requests, in a child process of its own (`node --expose-gc --import
 * tsx`) so the heap measured is the gateway's, not jest's: runs the command in-process, sends it `/chat`
 * requests with large conversations, and prints one JSON line with the heap growth after GC.
 */
import { runGateway } from '../../lib/cli/gateway-command';

const REQUESTS = 200;
const BODY_CHARS = 200 * 1024; // an agent's conversation, tool results included, is easily this long

async function main() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const interrupted = new AbortController();
  let stdout = '';
  let announced: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (announced = resolve));
  const io = {
    stdin: process.stdin,
    stdout: {
      write: (text: string) => {
        stdout += text;
        if (stdout.includes('\n')) announced(stdout.trim());
        return true;
      },
    },
    stderr: { write: () => true },
    env: {},
    interrupted: interrupted.signal,
  };
  const running = runGateway(['--port', '0'], io);
  const base = await url;
  const login = await fetch(`${base}/api/v1/auth/refresh`, { method: 'POST' });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const ask = async (i: number) => {
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `${i} ${'x'.repeat(BODY_CHARS)}` }] });
    const response = await fetch(`${base}/api/v1/llm/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    await response.text();
    if (response.status !== 200) throw new Error(`status ${response.status}`);
  };
  for (let i = 0; i < 20; i++) await ask(i); // warm up
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < REQUESTS; i++) await ask(i);
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  const heapGrowthBytes = process.memoryUsage().heapUsed - before;
  interrupted.abort();
  await running;
  console.log(JSON.stringify({ requests: REQUESTS, bodyChars: BODY_CHARS, heapGrowthBytes }));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
