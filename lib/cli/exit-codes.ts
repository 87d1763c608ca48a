/**
 * How a failure leaves the command line: one exit code per error class (the table in the README) and one line
 * on stderr. Never a stack trace, never a secret: the line is the error's message, on one line, with every
 * secret the command knows of (the JWT, the upstream key) cut out.
 */
import {
  AuthenticationError,
  ConnectionError,
  GatewayError,
  LLMProviderError,
  ModelNotFoundError,
  RequestTimeoutError,
  ResponseValidationError,
  StreamError,
} from '../errors';
import { withoutSecret } from '../logger';

/** The command line was wrong: an unknown option, a missing `--server`, a value that does not parse. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The exit codes of `llm-gateway-rx`. */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  authentication: 3,
  modelNotFound: 4,
  gateway: 5,
  timeout: 6,
  stream: 7,
  responseValidation: 8,
  connection: 9,
  otherProviderError: 10,
  interrupted: 130,
} as const;

type ErrorClass = abstract new (...args: never[]) => Error;

/** Error class -> exit code, most specific first (every class here extends LLMProviderError, listed last). */
const EXIT_CODE_BY_CLASS: ReadonlyArray<readonly [ErrorClass, number]> = [
  [UsageError, ExitCode.usage],
  [AuthenticationError, ExitCode.authentication],
  [ModelNotFoundError, ExitCode.modelNotFound],
  [GatewayError, ExitCode.gateway],
  [RequestTimeoutError, ExitCode.timeout],
  [StreamError, ExitCode.stream],
  [ResponseValidationError, ExitCode.responseValidation],
  [ConnectionError, ExitCode.connection],
  [LLMProviderError, ExitCode.otherProviderError],
];

/** The exit code for `error`: its class's code, 2 for node's `parseArgs` errors, else 1. */
export function exitCodeOf(error: unknown): number {
  for (const [errorClass, code] of EXIT_CODE_BY_CLASS) if (error instanceof errorClass) return code;
  if (isParseArgsError(error)) return ExitCode.usage;
  return ExitCode.unexpected;
}

/**
 * The one stderr line for `error`: `llm-gateway-rx: <Name>: <message>` (usage errors add a pointer to
 * `--help`), with newlines folded and each of `secrets` replaced by `[redacted]`.
 */
export function errorLine(error: unknown, secrets: ReadonlyArray<string | undefined> = []): string {
  let text: string;
  if (error instanceof UsageError || isParseArgsError(error)) text = `${error.message} (see --help)`;
  else if (error instanceof Error) text = `${error.name}: ${error.message}`;
  else text = `unexpected failure: ${String(error)}`;
  for (const secret of secrets) text = withoutSecret(text, secret ?? '');
  return `llm-gateway-rx: ${text.replace(/\s*[\r\n]+\s*/g, ' ').trim()}`;
}

/** node:util parseArgs' errors, told by their code (not `instanceof`: a test VM has its own Error). */
function isParseArgsError(error: unknown): error is { message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
