/**
 * A scriptable LLM gateway on 127.0.0.1 for tests, the demo and integration tests of users: node:http only,
 * an ephemeral port, every request recorded. LLM routes go to a scripted handler or the scripted model; with
 * auth on, dev JWTs are checked first and `/api/v1/auth/refresh` issues new ones.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messageOf } from '../errors';
import { LONGEST_TIMER_MS } from '../timer-limit';
import { DevTokenAuthority, type DevAuthOptions } from './dev-tokens';
import { MAX_REQUEST_BYTES, recordRequest, type RecordedRequest } from './recorded-request';
import { ScriptedReply, type Reply } from './reply';
import { answerAsScriptedModel, type ScriptedModelOptions } from './scripted-model';

/** How to start a {@link TestGateway}. The host is always 127.0.0.1. */
export interface TestGatewayOptions {
  /** Port to bind; default 0 (an ephemeral port). */
  port?: number;
  /** The default replier for LLM routes when no handler is set. */
  model?: ScriptedModelOptions;
  /** Dev JWT checking; default false: any Bearer token (or none) is accepted. */
  auth?: DevAuthOptions | false;
  /**
   * Keep each request in `requests` (default true: what tests read). `false` keeps none, for a gateway that
   * serves for a long time (the CLI's): every record holds its request's headers and whole body.
   */
  record?: boolean;
}

/**
 * Scripts the answer to one LLM request. A throw (or rejection) becomes 500 `{"detail": message}` (or a
 * dropped connection if the reply had started and not ended; after a complete answer it changes nothing). A
 * handler that never answers leaves the request open, a stall, until the client gives up or the gateway closes.
 */
export type GatewayHandler = (req: RecordedRequest, reply: Reply) => void | Promise<void>;

/** A running loopback gateway. */
export interface TestGateway {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Every request received (refresh calls included), in the order their bodies completed. */
  readonly requests: RecordedRequest[];
  /** Calls to `POST /api/v1/auth/refresh`, refused ones included. */
  readonly refreshCount: number;
  /** Scripts replies for `/api/v1/llm/*` (after the auth check); `null` restores the scripted model. */
  route(handler: GatewayHandler | null): void;
  /** A fresh dev JWT, valid when auth is on (with auth off any string would do). */
  issueToken(): string;
  /**
   * Resolves with a copy of `requests` once at least `n` were recorded. Rejects with
   * {@link RequestWaitError} after `timeoutMs` (default 5000; capped at about 24.8 days, so `Infinity` waits) or
   * when the gateway closes first.
   */
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Closes the server and destroys every open socket, stalls included; idempotent. */
  close(): Promise<void>;
}

/** `waitForRequests` gave up: the timeout passed or the gateway closed before `expected` requests arrived. */
export class RequestWaitError extends Error {
  override readonly name = 'RequestWaitError';
  constructor(
    readonly reason: 'timeout' | 'closed',
    readonly expected: number,
    readonly received: number,
  ) {
    super(`Waited for ${expected} request(s), got ${received} before the ${reason === 'timeout' ? 'timeout' : 'gateway closed'}`);
  }
}

/** Starts a gateway on 127.0.0.1 and resolves once it listens. Rejects if the port cannot be bound. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const gateway = new LoopbackGateway(options);
  await gateway.listen(options.port ?? 0);
  return gateway;
}

/** The names a request to a gateway on 127.0.0.1 honestly carries in its Host header (any port: a dev server may proxy). */
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether `host` (a request's Host header) names this machine. A browser sends a page's own name: a page whose
 * name an attacker re-points at 127.0.0.1 (DNS rebinding) is same-origin with the gateway for the browser, and
 * could take a dev login and spend the upstream key. A request with no Host at all (HTTP/1.0) comes from no
 * browser and passes.
 */
function isLoopbackHost(host: string | string[] | undefined): boolean {
  if (host === undefined) return true;
  try {
    return LOOPBACK_NAMES.has(new URL(`http://${String(host)}`).hostname);
  } catch {
    return false;
  }
}

const LLM_PREFIX = '/api/v1/llm/';
const REFRESH_PATH = '/api/v1/auth/refresh';

interface Waiter {
  check(): void;
  abandon(): void;
}

class LoopbackGateway implements TestGateway {
  readonly requests: RecordedRequest[] = [];
  private refreshes = 0;
  private received = 0;
  private handler: GatewayHandler | null = null;
  private address = '';
  private closing: Promise<void> | undefined;
  private readonly tokens: DevTokenAuthority;
  private readonly authOn: boolean;
  private readonly openReplies = new Set<ScriptedReply>();
  private readonly waiters = new Set<Waiter>();
  private readonly server: Server;

  constructor(private readonly options: TestGatewayOptions) {
    this.authOn = options.auth !== undefined && options.auth !== false;
    this.tokens = new DevTokenAuthority(options.auth || {});
    this.server = createServer((req, res) => void this.accept(req, res));
  }

  get url(): string {
    return this.address;
  }

  get refreshCount(): number {
    return this.refreshes;
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.address = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        resolve();
      });
    });
  }

  route(handler: GatewayHandler | null): void {
    this.handler = handler;
  }

  issueToken(): string {
    return this.tokens.issue();
  }

  waitForRequests(n: number, timeoutMs = 5000): Promise<RecordedRequest[]> {
    return new Promise((resolve, reject) => {
      // Capped: node runs a longer timer (Infinity meaning "no timeout" included) after 1 ms, failing at once.
      const timer = setTimeout(() => settle(new RequestWaitError('timeout', n, this.requests.length)), Math.min(timeoutMs, LONGEST_TIMER_MS));
      const settle = (error?: RequestWaitError): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (error) reject(error);
        else resolve(this.requests.slice());
      };
      const waiter: Waiter = {
        check: () => this.requests.length >= n && settle(),
        abandon: () => settle(new RequestWaitError('closed', n, this.requests.length)),
      };
      this.waiters.add(waiter);
      if (this.closing) waiter.abandon();
      else waiter.check();
    });
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const waiter of [...this.waiters]) waiter.abandon();
      for (const reply of this.openReplies) reply.tearDownByServer();
      this.server.close(() => resolve());
      // Responses still open (stalls, streams) would keep server.close waiting for ever; cut them.
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private async accept(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = new ScriptedReply(res);
    if (this.closing) reply.tearDownByServer();
    this.openReplies.add(reply);
    reply.signal.addEventListener('abort', () => this.openReplies.delete(reply), { once: true });
    const { record, bodyRead } = recordRequest(req, reply);
    // Refused before anything else, auth included: the body was not read past the bound.
    if (!(await bodyRead)) return reply.json(413, { detail: `request body over ${MAX_REQUEST_BYTES} bytes` }, { connection: 'close' });
    record.seq = ++this.received;
    if (this.options.record !== false) this.requests.push(record);
    for (const waiter of [...this.waiters]) waiter.check();
    if (reply.signal.aborted) return;
    try {
      await this.dispatch(record, reply);
    } catch (error) {
      if (!res.headersSent) reply.json(500, { detail: messageOf(error) });
      else reply.drop();
    }
  }

  private async dispatch(record: RecordedRequest, reply: ScriptedReply): Promise<void> {
    if (!isLoopbackHost(record.headers.host)) return reply.json(403, { detail: 'not a loopback host name: this gateway answers 127.0.0.1, localhost or [::1] only' });
    const pathname = new URL(record.path, 'http://gateway.invalid').pathname;
    if (record.method === 'POST' && pathname === REFRESH_PATH) return this.refresh(record, reply);
    if (!pathname.startsWith(LLM_PREFIX)) return reply.json(404, { detail: 'not found' });
    if (this.authOn && this.tokens.admit(record.token) !== 'ok') return reply.json(401, { detail: 'token expired' });
    const handler = this.handler;
    if (handler) return handler(record, reply);
    return answerAsScriptedModel(record, reply, this.options.model);
  }

  private refresh(record: RecordedRequest, reply: ScriptedReply): void {
    this.refreshes += 1;
    const bodyToken = (record.body as { token?: unknown } | null)?.token;
    const presented = record.token ?? (typeof bodyToken === 'string' ? bodyToken : undefined);
    // An expired token is what a refresh is for; only a forged or missing one is refused.
    if (this.authOn && !this.tokens.mayRefresh(presented)) return reply.json(401, { detail: 'invalid token' });
    reply.json(200, { access_token: this.tokens.issue() });
  }
}
