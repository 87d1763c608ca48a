#!/usr/bin/env node
/**
 * `llm-gateway-rx`, the command line: `chat` (one prompt through the client) and `gateway` (the dev gateway,
 * optionally in front of an OpenAI-compatible server). This file only dispatches and turns the outcome into an
 * exit code; a failure is one line on stderr (exit-codes.ts), never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CHAT_USAGE, runChat } from './chat-command';
import type { CliIo } from './cli-io';
import { errorLine, ExitCode, exitCodeOf, UsageError } from './exit-codes';
import { GATEWAY_USAGE, runGateway } from './gateway-command';

const USAGE = `Usage: llm-gateway-rx <command> [options]

Commands:
  chat "prompt" --server URL   ask the gateway, stream the answer to stdout
  gateway [--upstream URL]     start the dev gateway (scripted model, or an OpenAI-compatible upstream)

Run llm-gateway-rx <command> --help for its options.

Exit codes: 0 ok, 1 unexpected, 2 usage, 3 AuthenticationError, 4 ModelNotFoundError, 5 GatewayError,
6 RequestTimeoutError, 7 StreamError, 8 ResponseValidationError, 9 ConnectionError, 10 other LLMProviderError,
130 interrupted (Ctrl-C).

${CHAT_USAGE}

${GATEWAY_USAGE}`;

/**
 * Runs the command line `argv` (without node and the script) and resolves with the exit code. Never rejects:
 * every failure is written to `io.stderr` as one line, with the secrets the environment holds for the command
 * (the `--token-env` / `--upstream-key-env` variables) cut out.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'chat':
        return await runChat(rest, io);
      case 'gateway':
        return await runGateway(rest, io);
      case '-h':
      case '--help':
      case 'help':
        io.stdout.write(`${USAGE}\n`);
        return ExitCode.ok;
      case '-v':
      case '--version':
        io.stdout.write(`${packageVersion()}\n`);
        return ExitCode.ok;
      case undefined:
        throw new UsageError('no command given: llm-gateway-rx chat | gateway');
      default:
        throw new UsageError(`unknown command "${command}": llm-gateway-rx chat | gateway`);
    }
  } catch (error) {
    io.stderr.write(`${errorLine(error, secretsOf(rest, io.env))}\n`);
    return exitCodeOf(error);
  }
}

/** The values of the environment variables named by `--token-env` / `--upstream-key-env`, wherever they appear. */
function secretsOf(args: string[], env: CliIo['env']): string[] {
  const names = args.flatMap((arg, i) => {
    const [option, inline] = arg.split('=', 2);
    if (option !== '--token-env' && option !== '--upstream-key-env') return [];
    return [inline ?? args[i + 1]];
  });
  return names.map((name) => (name ? env[name] : undefined)).filter((value): value is string => !!value);
}

function packageVersion(): string {
  // lib/cli/ is two levels below the package root, dist/cjs/cli/ three, and dist/cjs holds a package.json of
  // its own (only a module-type marker): walk up to the one that names this package.
  for (let dir = __dirname, i = 0; i < 5; dir = dirname(dir), i++) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'llm-gateway-rx') return manifest.version ?? 'unknown';
    } catch {
      // no package.json at this level
    }
  }
  return 'unknown';
}

if (require.main === module) {
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  process.once('SIGTERM', () => interrupt.abort());
  // A closed pipe on stdout (`| head -1`) means nobody listens any more: stop quietly, as `cat` would.
  // Any other write error (a full disk) lost the answer: fail as `cat` does, rather than exit 0 with a summary.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(ExitCode.ok);
    process.stderr.write(`${errorLine(error)}\n`);
    process.exit(ExitCode.unexpected);
  });
  // A closed stderr (`2>&1 | head -1`) only loses the summary and messages: the command goes on, and its exit
  // code still says how it went (unhandled, the EPIPE would crash it with exit 1).
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  const io: CliIo = {
    // A getter: touching process.stdin opens it, which only `chat -` needs.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    interrupted: interrupt.signal,
  };
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
