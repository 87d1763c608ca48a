/**
 * What a command of `llm-gateway-rx` touches of its process, passed in rather than reached for, so the
 * commands hold no global state: the standard streams, the environment, and Ctrl-C as an AbortSignal.
 */

/** An output stream as a command uses it (process.stdout / process.stderr fit). */
export interface CliOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** The process as a command sees it. */
export interface CliIo {
  /** Read by `chat -` for the prompt. */
  stdin: NodeJS.ReadableStream;
  stdout: CliOutput;
  stderr: CliOutput;
  env: Record<string, string | undefined>;
  /** Aborts on SIGINT (Ctrl-C): `chat` cancels its request, `gateway` shuts down. */
  interrupted: AbortSignal;
}
