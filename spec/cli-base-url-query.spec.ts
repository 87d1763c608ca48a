/**
 * `--server` and `--upstream` are base URLs that paths get appended to: a `?query` or `#fragment` in them would
 * end up in front of `/api/v1/...` (`http://h/?x=1/api/v1/auth/refresh`), so the request goes to the wrong path
 * and fails with a baffling 404. They are usage errors, refused before anything is sent or listened on.
 */
import { main } from '../lib/cli/main';
import { memoryIo } from './support/memory-io';
import { startTestGateway, type TestGateway } from '../lib/testing';

let gateway: TestGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function run(argv: string[], { stopAtOnce = false } = {}) {
  const { out, cliIo, interrupt } = memoryIo();
  if (stopAtOnce) interrupt.abort(); // a gateway that did start stops again at once
  const code = await main(argv, cliIo);
  return { code, ...out };
}

describe('a base URL with a query or a fragment', () => {
  it.each([['/?x=1'], ['/#top']])('chat --server URL%s: exit 2, nothing sent', async (suffix) => {
    gateway = await startTestGateway();
    const result = await run(['chat', 'hi', '--server', `${gateway.url}${suffix}`]);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `llm-gateway-rx: --server must be a base URL, without ?query or #fragment, got "${gateway.url}${suffix}" (see --help)\n`,
    });
    expect(gateway.requests).toHaveLength(0);
  });

  it('gateway --upstream URL?api-version=1: exit 2, no gateway started', async () => {
    const result = await run(['gateway', '--port', '0', '--upstream', 'http://127.0.0.1:1/v1?api-version=1'], { stopAtOnce: true });
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'llm-gateway-rx: --upstream must be a base URL, without ?query or #fragment, got "http://127.0.0.1:1/v1?api-version=1" (see --help)\n',
    });
  });
});
