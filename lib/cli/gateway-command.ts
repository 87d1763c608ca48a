/**
 * `llm-gateway-rx gateway`: the dev gateway of `llm-gateway-rx/testing` on a fixed loopback port, answering
 * from the scripted model or, with `--upstream`, from an OpenAI-compatible server. It checks real dev JWTs that
 * expire after `--token-ttl`, and its `/api/v1/auth/refresh` also serves a first token to a caller with none.
 */
import { parseArgs } from 'node:util';
import { forwardToOpenAi } from '../testing/openai-upstream';
import { withoutCredentials } from '../logger';
import { startTestGateway } from '../testing/test-gateway';
import type { CliIo } from './cli-io';
import { ExitCode, UsageError } from './exit-codes';
import { httpUrl, portNumber, seconds } from './option-values';

/** `gateway --help`. */
export const GATEWAY_USAGE = `Usage: llm-gateway-rx gateway [options]

Starts the dev gateway on 127.0.0.1 and prints its URL on stdout. Ctrl-C stops it.

  --port P                 port to listen on (default 8787; 0 picks a free one)
  --upstream URL           forward /api/v1/llm/chat and /chat/stream to POST URL/chat/completions,
                           an OpenAI-compatible server (e.g. http://127.0.0.1:11434/v1 for Ollama);
                           without it, a scripted model answers
  --upstream-key-env VAR   send the upstream the API key held in environment variable VAR
  --token-ttl S            seconds a dev JWT lives before the client must refresh it (default 900)
  -h, --help               this text`;

const DEFAULT_PORT = 8787;

/**
 * Runs `gateway` with `args` (the words after `gateway`) until `io.interrupted` aborts, then closes the gateway
 * (cutting open streams) and resolves with 0. Rejects with {@link UsageError} for a bad command line, and with
 * the listen error when the port cannot be bound.
 */
export async function runGateway(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      upstream: { type: 'string' },
      'upstream-key-env': { type: 'string' },
      'token-ttl': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(`${GATEWAY_USAGE}\n`);
    return ExitCode.ok;
  }
  const port = values.port === undefined ? DEFAULT_PORT : portNumber('--port', values.port);
  const tokenTtlMs = values['token-ttl'] === undefined ? undefined : seconds('--token-ttl', values['token-ttl']) * 1000;
  const upstream = values.upstream === undefined ? undefined : httpUrl('--upstream', values.upstream);
  const keyEnv = values['upstream-key-env'];
  const apiKey = keyEnv === undefined ? undefined : io.env[keyEnv];
  if (keyEnv !== undefined && !apiKey) throw new UsageError(`--upstream-key-env ${keyEnv}: that environment variable is empty or not set`);
  if (keyEnv !== undefined && !upstream) throw new UsageError('--upstream-key-env needs --upstream');

  const gateway = await startTestGateway({
    port,
    auth: { tokenTtlMs, loginWithoutToken: true },
    model: { wordDelayMs: 30 },
    // It runs until Ctrl-C and nobody reads its request log: keeping every request would grow without end.
    record: false,
  });
  if (upstream) gateway.route(forwardToOpenAi({ url: upstream, apiKey, log: (line) => io.stderr.write(`llm-gateway-rx gateway: ${line}\n`) }));
  const ttl = `${(tokenTtlMs ?? 900_000) / 1000} s`;
  io.stderr.write(
    `llm-gateway-rx gateway on ${gateway.url}, answering from ${upstream ? withoutCredentials(`${upstream}/chat/completions`) : 'the scripted model'}; ` +
      `tokens live ${ttl}. Ctrl-C stops it.\n`,
  );
  io.stdout.write(`${gateway.url}\n`);
  await new Promise<void>((resolve) => {
    if (io.interrupted.aborted) resolve();
    else io.interrupted.addEventListener('abort', () => resolve(), { once: true });
  });
  await gateway.close();
  io.stderr.write('llm-gateway-rx gateway: stopped\n');
  return ExitCode.ok;
}
