import type { Observable } from 'rxjs';
import type { ClientStatus } from './client-status';
import type { LLMRequest, LLMResponse, StreamChunk } from './protocol';

/**
 * What a gateway client does, as an interface: `LlmGatewayClient` implements it, and so can a fake in unit
 * tests (Angular DI can provide either under one token).
 */
export interface LlmGateway {
  /** One answer: emits one {@link LLMResponse} and completes. Cold; unsubscribing aborts the request. */
  chat$(request: LLMRequest): Observable<LLMResponse>;
  /** The answer as it is generated: emits {@link StreamChunk}s, completes at the end of the stream. */
  chatStream$(request: LLMRequest): Observable<StreamChunk>;
  /**
   * Each token refresh and transient retry as it starts, for a "reconnecting" banner. Optional: app code that
   * takes an `LlmGateway` reads `gateway.status$?.…`; the client and the testing controller's fake have it.
   */
  readonly status$?: Observable<ClientStatus>;
}
