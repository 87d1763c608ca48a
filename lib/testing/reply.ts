/**
 * The scripted-reply object a gateway handler writes with: whole answers (`json`, `text`), event streams cut
 * and paced at will (`sse`), raw bytes (`head`, `write`, `end`) and a connection reset (`drop`). Every write is
 * a no-op once the response is gone, so a handler can never crash the gateway by writing to a dead socket.
 */
import type { ServerResponse } from 'node:http';
import { setImmediate as nextMacrotask, setTimeout as sleep } from 'node:timers/promises';

/** How `Reply.sse` serialises and paces a stream. */
export interface SseReplyOptions {
  /** Pause in milliseconds before each event after the first. */
  delayMs?: number;
  /** Line end used for `data:` lines and the blank line after them; default `\n`. */
  eol?: '\n' | '\r\n' | '\r';
  /**
   * Write the serialised stream in pieces of this many BYTES (cutting inside multi-byte characters), each
   * flushed and a turn of the event loop apart, so an in-process client reads them as separate chunks.
   */
  splitEvery?: number;
  /** Append `data: [DONE]`; default true. */
  done?: boolean;
  /** End the response after the last event; default true. `false` leaves it open: a stall. */
  end?: boolean;
}

/** Thrown by `json`/`text` when the status line was already sent (by `head`, `write` or `sse`). */
export class ReplyAlreadyStartedError extends Error {
  override readonly name = 'ReplyAlreadyStartedError';
  constructor(readonly sentStatus: number) {
    super(`Reply already started with status ${sentStatus}`);
  }
}

/** What a {@link GatewayHandler} answers with. Calls after the response is finished or torn down do nothing. */
export interface Reply {
  /** A complete JSON answer. Throws if the status line was already sent. */
  json(status: number, body: unknown, headers?: Record<string, string>): void;
  /** A complete text answer. Throws if the status line was already sent. */
  text(status: number, body: string, headers?: Record<string, string>): void;
  /**
   * 200 `text/event-stream` (unless `head` already sent a status); each item: an object becomes
   * `data: JSON` + blank line, a string is written verbatim. Appends `data: [DONE]` unless `done: false`.
   * Resolves when the last piece is flushed, or early when the client goes away.
   */
  sse(events: Array<object | string>, options?: SseReplyOptions): Promise<void>;
  /** Sends the status line and headers right away, with no body yet. */
  head(status: number, headers?: Record<string, string>): void;
  /** Raw body bytes; resolves once flushed to the socket (or at once when the response is gone). */
  write(bytes: string | Uint8Array): Promise<void>;
  /** Ends the response. */
  end(): void;
  /** Resets the connection mid-response (TCP RST): the client sees ECONNRESET. A no-op once the response ended. */
  drop(): void;
  /** True once the response was torn down before it finished: the client went away, or `drop()`/`close()` cut it. */
  readonly aborted: boolean;
}

/**
 * The gateway's {@link Reply} over one `ServerResponse`. It also tells the gateway how the response ended:
 * `signal` aborts when the response closes for any reason, and `abortedByClient` says whether it was the
 * client that cut it short (rather than a finished response, `drop()` or the gateway closing).
 */
export class ScriptedReply implements Reply {
  private readonly lifetime = new AbortController();
  private cutByServer = false;
  private cutShort = false;
  private dropping = false;
  /** Settles the writes not yet flushed; the response closing settles them all (one listener, not one each). */
  private readonly unflushed = new Set<() => void>();

  constructor(private readonly res: ServerResponse) {
    // A write racing a client abort reports EPIPE/ECONNRESET here; that is the client's prerogative, not a fault.
    res.on('error', () => undefined);
    res.once('close', () => {
      this.cutShort ||= !res.writableFinished;
      this.lifetime.abort();
      for (const settle of [...this.unflushed]) settle();
    });
  }

  /** Aborts when the response closes: finished, aborted by the client, dropped or closed with the gateway. */
  get signal(): AbortSignal {
    return this.lifetime.signal;
  }

  get aborted(): boolean {
    return this.cutShort;
  }

  /** True when the response closed unfinished and neither `drop()` nor the gateway's `close()` did it. */
  get abortedByClient(): boolean {
    return this.cutShort && !this.cutByServer;
  }

  /** Marks the coming teardown as the server's doing, so it is not reported as a client abort. */
  tearDownByServer(): void {
    this.cutByServer = true;
  }

  json(status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.complete(status, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
  }

  text(status: number, body: string, headers: Record<string, string> = {}): void {
    this.complete(status, body, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  }

  async sse(events: Array<object | string>, options: SseReplyOptions = {}): Promise<void> {
    const eol = options.eol ?? '\n';
    const serialised = events.map((event) =>
      typeof event === 'string' ? event : `data: ${JSON.stringify(event)}${eol}${eol}`,
    );
    if (options.done !== false) serialised.push(`data: [DONE]${eol}${eol}`);
    if (!this.res.headersSent) {
      this.head(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    }
    // Without a delay the whole stream is one unit, so `splitEvery` cuts across event boundaries too.
    const units = options.delayMs ? serialised : [serialised.join('')];
    for (const [index, unit] of units.entries()) {
      if (index > 0 && !(await this.pause(options.delayMs ?? 0))) return;
      if (!(await this.writeInPieces(Buffer.from(unit, 'utf8'), options.splitEvery))) return;
    }
    if (options.end !== false) this.end();
  }

  head(status: number, headers: Record<string, string> = {}): void {
    if (this.gone()) return;
    this.res.writeHead(status, headers);
    this.res.flushHeaders();
  }

  write(bytes: string | Uint8Array): Promise<void> {
    if (this.gone()) return Promise.resolve();
    return new Promise((resolve) => {
      const settle = (): void => {
        this.unflushed.delete(settle);
        resolve();
      };
      // A flush can wait for ever on a client that stopped reading; the response closing settles it too.
      this.unflushed.add(settle);
      this.res.write(bytes, settle);
    });
  }

  end(): void {
    if (!this.gone()) this.res.end();
  }

  drop(): void {
    // Once the response has ended there is nothing to cut, and with keep-alive the socket may already carry
    // the client's next request: a reset would fail that one instead.
    if (this.res.destroyed || this.res.writableEnded || this.dropping) return;
    this.dropping = true;
    this.cutByServer = true;
    this.cutShort = true;
    const socket = this.res.socket;
    // libuv reports a RST that lands together with unread data as a clean EOF; two macrotasks let an
    // in-process client read what was already flushed, so the reset itself reaches it as ECONNRESET.
    void (async () => {
      await nextMacrotask();
      await nextMacrotask();
      if (socket && !socket.destroyed) socket.resetAndDestroy();
      else this.res.destroy();
    })();
  }

  /** Waits `ms` unless the response closes first; true if the response is still writable. */
  async pause(ms: number): Promise<boolean> {
    if (ms > 0) await sleep(ms, undefined, { signal: this.signal }).catch(() => undefined);
    return !this.gone();
  }

  private async writeInPieces(bytes: Buffer, splitEvery: number | undefined): Promise<boolean> {
    const size = splitEvery && splitEvery > 0 ? Math.floor(splitEvery) : bytes.length;
    for (let offset = 0; offset < bytes.length; offset += size) {
      if (offset > 0) {
        // Two macrotasks: the first may run in the same loop iteration as the write; the second comes after a
        // poll phase, where an in-process client reads the previous piece on its own.
        await nextMacrotask();
        await nextMacrotask();
      }
      if (this.gone()) return false;
      await this.write(bytes.subarray(offset, offset + size));
    }
    return !this.gone();
  }

  private complete(status: number, body: string, headers: Record<string, string>): void {
    if (this.gone()) return;
    if (this.res.headersSent) throw new ReplyAlreadyStartedError(this.res.statusCode);
    const bytes = Buffer.from(body, 'utf8');
    this.res.writeHead(status, { 'content-length': String(bytes.length), ...lowerCaseNames(headers) });
    this.res.end(bytes);
  }

  private gone(): boolean {
    return this.dropping || this.res.destroyed || this.res.writableEnded || this.lifetime.signal.aborted;
  }
}

/**
 * The same headers with lower-case names: header names are case-insensitive, so a caller's `Content-Type` must
 * replace the default `content-type` rather than go out beside it (two Content-Length headers fail the client).
 */
function lowerCaseNames(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
