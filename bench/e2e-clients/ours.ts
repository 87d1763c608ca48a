/** `chatStream$`, as an app calls it: one client, reused for every stream (its keep-alive connection too). */
import { BehaviorSubject, lastValueFrom, tap } from 'rxjs';
import { LlmGatewayClient } from '../../lib';
import { messages, type E2eClient } from './request';

let client: LlmGatewayClient | undefined;

export const run: E2eClient = async (url, events) => {
  client ??= new LlmGatewayClient({ serverUrl: url, token$: new BehaviorSubject('t') });
  let length = 0;
  await lastValueFrom(client.chatStream$({ model: 'bench', messages, maxTokens: events }).pipe(tap((chunk) => (length += chunk.content.length))), {
    defaultValue: undefined,
  });
  return length;
};
