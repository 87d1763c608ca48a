/**
 * A benchmark process (the gateway server or one measured client), talked to with `{ type, ... }` messages
 * awaited by type: over Node's IPC for a forked compiled script, over JSON lines on stdin / stdout for the
 * Python reference.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A message between the bench processes. */
export interface BenchMessage {
  type: string;
  [key: string]: unknown;
}

/** A forked bench process. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  send(message: BenchMessage): void;
  /** The next message of this type (queued if it came already); rejects if the process exits first. */
  next<T extends { type: string }>(type: string, timeoutMs?: number): Promise<T>;
  /** Sends `message` and waits for the reply of type `replyType`. */
  request<T extends { type: string }>(message: BenchMessage, replyType: string, timeoutMs?: number): Promise<T>;
  /** Disconnects and waits for the exit. */
  stop(): Promise<void>;
}

/** Forks `script` with plain node (no loader: what is measured is what users run). */
export function startWorker(script: string, args: string[] = [], execArgv: string[] = []): WorkerProcess {
  const child = fork(script, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return talkTo(child, script, (deliver) => child.on('message', deliver), (message) => child.send(message), () => child.disconnect());
}

/** The python3 that runs the Python reference peer, or undefined when there is none with httpx. */
export function pythonWithHttpx(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'import httpx'], { stdio: 'ignore' });
  return probe.status === 0 ? 'python3' : undefined;
}

/** Starts a Python script that speaks JSON lines on stdin / stdout. */
export function startPythonWorker(python: string, script: string): WorkerProcess {
  const child = spawn(python, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  return talkTo(
    child,
    script,
    (deliver) => createInterface({ input: child.stdout! }).on('line', (line) => deliver(JSON.parse(line) as BenchMessage)),
    (message) => child.stdin!.write(`${JSON.stringify(message)}\n`),
    () => child.stdin!.end(),
  );
}

/** The message queue of one bench process, whichever way its messages travel. */
function talkTo(
  child: ChildProcess,
  script: string,
  onMessage: (deliver: (message: BenchMessage) => void) => void,
  send: (message: BenchMessage) => void,
  hangUp: () => void,
): WorkerProcess {
  const queued = new Map<string, BenchMessage[]>();
  const waiting = new Map<string, Array<(message: BenchMessage) => void>>();
  let exited: Error | undefined;
  const failures = new Set<(error: Error) => void>();
  onMessage((message) => {
    const waiter = waiting.get(message.type)?.[0];
    if (waiter) waiter(message);
    else queued.set(message.type, [...(queued.get(message.type) ?? []), message]);
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`${script} exited (${signal ?? code}) before answering`);
    for (const fail of [...failures]) fail(exited);
  });

  function next<T extends { type: string }>(type: string, timeoutMs = 600_000): Promise<T> {
    const ready = queued.get(type)?.shift();
    if (ready) return Promise.resolve(ready as T);
    if (exited) return Promise.reject(exited);
    return new Promise<T>((resolve, reject) => {
      const list = waiting.get(type) ?? [];
      waiting.set(type, list);
      const settle = () => {
        clearTimeout(timer);
        failures.delete(fail);
        list.splice(list.indexOf(deliver), 1);
      };
      const deliver = (message: BenchMessage) => {
        settle();
        resolve(message as T);
      };
      const fail = (error: Error) => {
        settle();
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error(`${script}: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      failures.add(fail);
      list.push(deliver);
    });
  }

  return {
    child,
    send,
    next,
    request<T extends { type: string }>(message: BenchMessage, replyType: string, timeoutMs?: number): Promise<T> {
      const reply = next<T>(replyType, timeoutMs);
      send(message);
      return reply;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        if (child.connected || child.stdin?.writable) hangUp();
        else child.kill();
      }),
  };
}

/** Forks the bench gateway (`server.mjs` next to the other compiled scripts) and resolves with it and its URL. */
export async function startBenchServer(dir: string): Promise<{ server: WorkerProcess; url: string }> {
  const server = startWorker(`${dir}/server.mjs`);
  const { url } = await server.next<{ type: 'listening'; url: string }>('listening', 30_000);
  return { server, url };
}
