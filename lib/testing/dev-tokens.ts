/**
 * Development JWTs for the loopback gateway: real HS256 tokens (`header.payload.signature`, base64url, HMAC
 * from node:crypto) so a client sees the same shape as in production, with two ways to expire: wall-clock time
 * and a budget of requests. The request budget lives here, per `jti`, because a token cannot count its own uses.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** How the gateway signs and expires dev tokens. */
export interface DevAuthOptions {
  /** HMAC secret; random per gateway by default, so tokens never outlive the gateway that issued them. */
  secret?: string;
  /** Lifetime of a token in milliseconds; default 15 minutes. */
  tokenTtlMs?: number;
  /** A token expires after this many admitted LLM requests (the demo uses 1); default: no request limit. */
  tokenTtlRequests?: number;
  /**
   * `/api/v1/auth/refresh` with no token at all issues one: a dev login, so a CLI can start without a secret.
   * Default false: only a genuine token (expired or not) is refreshed. A forged token is refused either way.
   */
  loginWithoutToken?: boolean;
}

/** The claims of a dev token. `exp`/`iat` are NumericDate seconds; `exp` may carry a fraction (RFC 7519 allows it). */
export interface DevTokenClaims {
  sub: string;
  iat: number;
  exp: number;
  jti: string;
}

/** Why a token was refused, or `ok`. */
export type DevTokenVerdict = 'ok' | 'missing' | 'malformed' | 'bad-signature' | 'expired';

const DEFAULT_TTL_MS = 15 * 60 * 1000;
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/**
 * Issues and checks dev JWTs. `admit` is the gate in front of LLM routes: it verifies signature and expiry and
 * spends one request of the token's budget. `isGenuine` only checks the signature, for refresh, where an
 * expired token is exactly what the caller holds. Never throws on bad input; it answers with a verdict.
 */
export class DevTokenAuthority {
  private readonly secret: string;
  private readonly ttlMs: number;
  private readonly ttlRequests: number;
  private readonly loginWithoutToken: boolean;
  /** Admitted requests per jti; entries for tokens issued elsewhere (same secret) start at zero. */
  private readonly usesByJti = new Map<string, number>();

  constructor(options: DevAuthOptions = {}) {
    this.secret = options.secret ?? randomBytes(32).toString('hex');
    this.ttlMs = options.tokenTtlMs ?? DEFAULT_TTL_MS;
    this.ttlRequests = options.tokenTtlRequests ?? Number.POSITIVE_INFINITY;
    this.loginWithoutToken = options.loginWithoutToken ?? false;
  }

  /** A fresh signed token for subject `dev`, valid for `tokenTtlMs` and `tokenTtlRequests`. */
  issue(): string {
    const nowMs = Date.now();
    const claims: DevTokenClaims = {
      sub: 'dev',
      iat: Math.floor(nowMs / 1000),
      exp: (nowMs + this.ttlMs) / 1000,
      jti: randomUUID(),
    };
    const body = `${HEADER}.${base64url(JSON.stringify(claims))}`;
    return `${body}.${this.sign(body)}`;
  }

  /**
   * Checks a token for one LLM request. On `ok` the request is counted against the token's budget, so the
   * call that spends the last use still passes and the next one gets `expired`.
   */
  admit(token: string | undefined): DevTokenVerdict {
    const checked = this.inspect(token);
    if (checked.verdict !== 'ok') return checked.verdict;
    const { claims } = checked;
    if (claims.exp * 1000 <= Date.now()) return 'expired';
    const used = this.usesByJti.get(claims.jti) ?? 0;
    if (used >= this.ttlRequests) return 'expired';
    this.usesByJti.set(claims.jti, used + 1);
    return 'ok';
  }

  /** True when the token was signed with this secret, whether or not it has expired. */
  isGenuine(token: string | undefined): boolean {
    return this.inspect(token).verdict === 'ok';
  }

  /** True when a refresh presenting `token` may have a new one: a genuine token, or none with `loginWithoutToken`. */
  mayRefresh(token: string | undefined): boolean {
    return token === undefined ? this.loginWithoutToken : this.isGenuine(token);
  }

  private inspect(
    token: string | undefined,
  ): { verdict: 'ok'; claims: DevTokenClaims } | { verdict: Exclude<DevTokenVerdict, 'ok' | 'expired'> } {
    if (!token) return { verdict: 'missing' };
    const parts = token.split('.');
    if (parts.length !== 3) return { verdict: 'malformed' };
    const [header, payload, signature] = parts;
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { verdict: 'bad-signature' };
    const claims = parseClaims(payload);
    return claims ? { verdict: 'ok', claims } : { verdict: 'malformed' };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}

function parseClaims(payload: string): DevTokenClaims | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { sub, iat, exp, jti } = value as Record<string, unknown>;
    if (typeof exp !== 'number' || typeof jti !== 'string') return undefined;
    return { sub: String(sub), iat: Number(iat), exp, jti };
  } catch {
    return undefined;
  }
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
