import { DOCUMENT, Injectable, InjectionToken, inject } from '@angular/core';
import { LlmGatewayClient, type ChatMessage } from 'llm-gateway-rx';
import { Observable, scan } from 'rxjs';
import { AuthService } from './auth.service';

/** Where the gateway is; by default the app's own origin, which serves (or proxies) `/api`. */
export const GATEWAY_URL = new InjectionToken<string>('GATEWAY_URL', {
  factory: () => inject(DOCUMENT).location.origin,
});

/** The app's one gateway client, wired to the session's token and its refresh. */
@Injectable({ providedIn: 'root' })
export class ChatService {
  private readonly auth = inject(AuthService);
  private readonly client = new LlmGatewayClient({
    serverUrl: inject(GATEWAY_URL),
    token$: this.auth.token$,
    refreshToken: () => this.auth.refresh$(),
    logger: console,
  });

  /**
   * The answer to `prompt` as it grows: emits the text so far after each streamed chunk. Cold: the request is
   * sent on subscribe and aborted on unsubscribe.
   */
  answer$(prompt: string, model = 'demo-model'): Observable<string> {
    const messages: ChatMessage[] = [{ role: 'user', content: prompt }];
    return this.client.chatStream$({ model, messages }).pipe(scan((text, chunk) => text + chunk.content, ''));
  }
}
