/**
 * The process as a CLI command sees it (CliIo), in memory: what the command writes is collected, stdin gives
 * `stdin`'s pieces, and `interrupt` is its Ctrl-C. For running `main` / a command in the test's own process.
 */
import { Readable } from 'node:stream';
import type { CliIo } from '../../lib/cli/cli-io';

/** A CliIo whose stdout and stderr (not terminals) are collected in `out`. */
export function memoryIo(env: Record<string, string> = {}, stdin: string[] = []) {
  const out = { stdout: '', stderr: '' };
  const interrupt = new AbortController();
  const cliIo: CliIo = {
    stdin: Readable.from(stdin),
    stdout: { isTTY: false, write: (text: string) => (out.stdout += text) },
    stderr: { isTTY: false, write: (text: string) => (out.stderr += text) },
    env,
    interrupted: interrupt.signal,
  };
  return { out, cliIo, interrupt };
}
