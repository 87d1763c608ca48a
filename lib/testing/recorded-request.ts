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

/** A record being filled in: `bodyRead` settles when the body has ended or the response closed first. */
export interface RequestRecording {
  record: RecordedRequest;
  bodyRead: Promise<void>;
}

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
    record.body = parseBody(text);
  });
  return { record, bodyRead };
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  return match ? match[1].trim() : undefined;
}

function readBody(req: IncomingMessage, responseClosed: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const finish = (): void => {
      responseClosed.removeEventListener('abort', finish);
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    // An aborted upload never emits 'end'; the response closing is when we stop waiting for it.
    responseClosed.addEventListener('abort', finish, { once: true });
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
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
