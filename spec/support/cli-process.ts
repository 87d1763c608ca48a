/**
 * The command line as a child process: `node --import tsx lib/cli/main.ts ...` (no build needed, one process,
 * so a signal sent to it reaches the CLI itself), with stdout/stderr captured and waitable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'lib', 'cli', 'main.ts');

/** How a CLI run ended. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A CLI process in flight. */
export interface CliProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves once stdout contains `text`; rejects if the process exits first or after `timeoutMs`. */
  waitForStdout(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the process has exited and its output streams are closed. */
  exited: Promise<CliResult>;
}

/**
 * Spawns the CLI with `args`; `env` is added to a copy of this process's environment. `stdin` is written and
 * ended; with `null` it is left open (a prompt still being typed).
 */
export function spawnCli(args: string[], env: Record<string, string> = {}, stdin?: string | null): CliProcess {
  return spawnProgram(process.execPath, ['--import', 'tsx', MAIN, ...args], env, stdin);
}

/** Runs any program from the repository root to the end (e.g. the CLI under `script`, for a terminal). */
export function runProgram(program: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return spawnProgram(program, args, env).exited;
}

function spawnProgram(program: string, args: string[], env: Record<string, string> = {}, stdin?: string | null): CliProcess {
  const child = spawn(program, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, FORCE_COLOR: '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let closed = false;
  const watchers = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    for (const watcher of [...watchers]) watcher();
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  if (typeof stdin === 'string') child.stdin!.end(stdin);
  else if (stdin === undefined) child.stdin!.end();
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      closed = true;
      for (const watcher of [...watchers]) watcher();
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitForStdout(text, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => settle(new Error(`no "${text}" on stdout after ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        const settle = (error?: Error) => {
          clearTimeout(timer);
          watchers.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (stdout.includes(text)) settle();
          else if (closed) settle(new Error(`exited before "${text}" on stdout; stderr: ${stderr}`));
        };
        watchers.add(check);
        check();
      });
    },
  };
}

/** Runs the CLI to the end. */
export function runCli(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<CliResult> {
  return spawnCli(args, env, stdin).exited;
}

/** Kills a CLI still running (after a failed test), and waits for it to go. */
export async function stopCli(cli: CliProcess | undefined): Promise<void> {
  if (!cli || cli.child.exitCode !== null || cli.child.signalCode !== null) return;
  cli.child.kill('SIGKILL');
  await cli.exited;
}
