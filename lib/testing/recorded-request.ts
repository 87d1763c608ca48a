/**
 * What the gateway remembers of each request: method, path, headers, token and parsed body, when it arrived,
 * and when and how its response was torn down. The teardown is taken from the response's 'close' event, not
 * the socket's: with keep-alive one socket carries many requests and outlives all but the last of them.
 */
import type { IncomingMessage } from 'node:http';
import type { ScriptedReply } from './reply';

/** One request the gateway received, recorded before any handler sees it. */
export interface RecordedRequest {
  /** 1-based position in `TestGateway.requests` (numbered once the body has been read). */
  seq: number;
  method: string;
  /** The request target as sent, query included. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The Bearer token of the Authorization header, if any. */
  token: string | undefined;
  /** The body parsed as JSON when it parses, else the raw text ('' when empty). */
  body: unknown;
  /** `performance.now()` when the request's headers arrived. */
  receivedAt: number;
  /** `performance.now()` when the response was torn down; set together with `closed` resolving. */
  closedAt?: number;
  /**
   * Resolves with `closedAt` when the response is torn down, for any reason: it finished normally (a
   * keep-alive socket may stay open after that), the client aborted (its socket closed first), `drop()` cut
   * it, or the gateway closed. Never rejects. Use `abortedByClient` to tell these apart.
   */
  closed: Promise<number>;
  /**
   * True when the client went away before the response finished: its socket closed while the handler was
   * still answering (a stall, a stream in flight, a body never sent). False for finished responses, `drop()`
   * and the gateway's own `close()`. Meaningful once `closed` has resolved.
   */
  abortedByClient: boolean;
}

/**
 * A record being filled in: `bodyRead` settles when the body has ended or the response closed first, with
 * false when the body went over {@link MAX_REQUEST_BYTES} (reading stopped there; `record.body` stays '').
 */
export interface RequestRecording {
  record: RecordedRequest;
  bodyRead: Promise<boolean>;
}

/**
 * The largest request body the gateway reads: a long-running dev gateway on a well-known port must not hold
 * whatever anyone sends it (a body past ~512 MB cannot even become a string: the process would die).
 */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/**
 * Starts recording `req`, answered through `reply`. The record is complete (body included) once `bodyRead`
 * resolves; `closed`/`closedAt`/`abortedByClient` follow the reply's lifetime. Never rejects.
 */
export function recordRequest(req: IncomingMessage, reply: ScriptedReply): RequestRecording {
  const receivedAt = performance.now();
  let markClosed: (at: number) => void = () => undefined;
  const record: RecordedRequest = {
    seq: 0,
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers: { ...req.headers },
    token: bearerToken(req.headers.authorization),
    body: '',
    receivedAt,
    closed: new Promise<number>((resolve) => (markClosed = resolve)),
    abortedByClient: false,
  };
  reply.signal.addEventListener(
    'abort',
    () => {
      record.closedAt = performance.now();
      record.abortedByClient = reply.abortedByClient;
      markClosed(record.closedAt);
    },
    { once: true },
  );
  const bodyRead = readBody(req, reply.signal).then((text) => {
    if (text === undefined) return false;
    record.body = parseBody(text);
    return true;
  });
  return { record, bodyRead };
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  return match ? match[1].trim() : undefined;
}

/** The body as text, or undefined (and reading paused) once it is over {@link MAX_REQUEST_BYTES}. */
function readBody(req: IncomingMessage, responseClosed: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      responseClosed.removeEventListener('abort', finish);
      req.off('data', onData);
      req.off('end', finish);
    };
    const finish = (): void => {
      stop();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) return void chunks.push(chunk);
      stop();
      req.pause();
      chunks.length = 0;
      resolve(undefined);
    };
    // An aborted upload never emits 'end'; the response closing is when we stop waiting for it.
    responseClosed.addEventListener('abort', finish, { once: true });
    req.on('data', onData);
    req.on('end', finish);
    req.on('error', () => undefined);
  });
}

function parseBody(text: string): unknown {
  if (text.length === 0) return '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
