import type { Observable } from 'rxjs';
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
}
