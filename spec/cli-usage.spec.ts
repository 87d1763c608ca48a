/**
 * The command line's argument checks and its error -> exit code table, in process: `main()` with captured
 * streams (nothing here crosses the wire; the runs as real processes are in cli-chat / cli-gateway.spec).
 */
import { Readable } from 'node:stream';
import {
  AuthenticationError,
  ConnectionError,
  GatewayError,
  LLMProviderError,
  ModelNotFoundError,
  RequestTimeoutError,
  ResponseValidationError,
  StreamError,
} from '../lib';
import { errorLine, exitCodeOf, UsageError } from '../lib/cli/exit-codes';
import { main } from '../lib/cli/main';
import type { CliIo } from '../lib/cli/cli-io';

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdin: Readable.from([]),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    interrupted: new AbortController().signal,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('usage errors exit 2 with one line', () => {
  it.each([
    [['chat', 'hi'], 'chat needs --server URL (the gateway, e.g. http://127.0.0.1:8787) (see --help)'],
    [['chat', '--server', 'http://127.0.0.1:1'], 'chat needs a prompt: llm-gateway-rx chat "your question" --server URL (see --help)'],
    [['chat', 'hi', '--server', 'ftp://x'], '--server must be an http(s) URL, got "ftp://x" (see --help)'],
    [['chat', 'hi', '--server', 'http://x', '--timeout', 'soon'], '--timeout takes a positive number of seconds, got "soon" (see --help)'],
    [['gateway', '--upstream', 'http://127.0.0.1:1/v1', '--upstream-key-env', 'UNSET'], '--upstream-key-env UNSET: that environment variable is empty or not set (see --help)'],
    [['gateway', '--upstream-key-env', 'HOME'], '--upstream-key-env needs --upstream (see --help)'],
    [['gateway', '--port', '70000'], '--port takes a port number (0-65535), got "70000" (see --help)'],
    [['chat', 'hi', '--server', 'http://x', '--timeout', 'Infinity'], '--timeout takes a positive number of seconds, got "Infinity" (see --help)'],
    [['gateway', '--port', '65536'], '--port takes a port number (0-65535), got "65536" (see --help)'],
    [['gateway', '--port', '1e3'], '--port takes a port number (0-65535), got "1e3" (see --help)'],
    [['gateway', '--token-ttl=0'], '--token-ttl takes a positive number of seconds, got "0" (see --help)'],
    [['fly'], 'unknown command "fly": llm-gateway-rx chat | gateway (see --help)'],
    [[], 'no command given: llm-gateway-rx chat | gateway (see --help)'],
  ])('%j', async (argv, message) => {
    const result = await run(argv, { HOME: '/home/x' });
    expect(result).toEqual({ code: 2, stdout: '', stderr: `llm-gateway-rx: ${message}\n` });
  });

  it('parseArgs errors too', async () => {
    const result = await run(['gateway', '--verbose']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^llm-gateway-rx: Unknown option '--verbose'.*\(see --help\)\n$/);
  });

  it('cuts the value of a --token-env variable out of the message', async () => {
    const result = await run(['chat', 'hi', '--token-env=JWT', '--server', 'ftp://s3cret-token'], { JWT: 's3cret-token' });
    expect(result.stderr).toBe('llm-gateway-rx: --server must be an http(s) URL, got "ftp://[redacted]" (see --help)\n');
  });

  it.each([
    [['chat', 'hi', '--token-env', 'JWT', '--server', 'ftp://s3cret-token'], '--server must be an http(s) URL, got "ftp://[redacted]"'],
    [['gateway', '--upstream', 'ftp://s3cret-token', '--upstream-key-env', 'JWT'], '--upstream must be an http(s) URL, got "ftp://[redacted]"'],
    [['gateway', '--upstream=ftp://s3cret-token', '--upstream-key-env=JWT'], '--upstream must be an http(s) URL, got "ftp://[redacted]"'],
  ])('and of an --upstream-key-env variable; the variable named in the next word or after "=": %j', async (argv, message) => {
    const result = await run(argv, { JWT: 's3cret-token' });
    expect(result).toEqual({ code: 2, stdout: '', stderr: `llm-gateway-rx: ${message} (see --help)\n` });
  });
});

describe('help and version', () => {
  it('--help lists both commands and the exit codes', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/chat "prompt" --server URL/);
    expect(result.stdout).toMatch(/--upstream URL/);
    expect(result.stdout).toMatch(/3 AuthenticationError, 4 ModelNotFoundError, 5 GatewayError/);
  });

  it('--version prints the package version', async () => {
    const result = await run(['--version']);
    expect(result.stdout).toBe(`${(require('../package.json') as { version: string }).version}\n`);
  });
});

describe('exit code of each error class', () => {
  it.each([
    [new UsageError('x'), 2],
    [new AuthenticationError('x'), 3],
    [new ModelNotFoundError('m'), 4],
    [new GatewayError('d'), 5],
    [new RequestTimeoutError(1, 'request'), 6],
    [new StreamError('truncated', 'd'), 7],
    [new ResponseValidationError('f', 'm'), 8],
    [new ConnectionError('x'), 9],
    [new LLMProviderError('x'), 10],
    [new Error('x'), 1],
    ['a string', 1],
    // node:util parseArgs' errors are usage errors; node's other coded errors (a stream's, say) are not.
    [Object.assign(new TypeError("Unknown option '--x'"), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }), 2],
    [Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' }), 1],
  ])('%s -> %i', (error, code) => {
    expect(exitCodeOf(error)).toBe(code);
  });

  it('errorLine folds a multi-line message into one line and redacts every secret', () => {
    const error = new GatewayError('upstream said:\n  token abc123\r\n  key sk-9');
    expect(errorLine(error, ['abc123', 'sk-9', undefined])).toBe(
      'llm-gateway-rx: GatewayError: Server LLM gateway error: upstream said: token [redacted] key [redacted]',
    );
  });
});
