/**
 * Typeahead: each keystroke asks for suggestions, and `switchMap` drops the request a newer keystroke
 * supersedes: its HTTP request is aborted, the gateway sees the socket close. Keystrokes here are typed as
 * soon as the previous request reached the gateway, so every superseded request is really in flight.
 */
import { distinctUntilChanged, lastValueFrom, map, Subject, switchMap, toArray } from 'rxjs';
import type { LlmGateway } from '../lib';
import type { TestGateway } from '../lib/testing';

export async function typeahead(client: LlmGateway, gateway: TestGateway): Promise<void> {
  const typed = ['r', 'rx', 'rxj', 'rxjs'];
  const keys$ = new Subject<string>();
  const first = gateway.requests.length;
  const suggestions$ = keys$.pipe(
    distinctUntilChanged(),
    // In a UI, debounceTime(250) would go here; without it every keystroke is a request, the worst case.
    switchMap((query) => client.chat$({ model: 'suggest', messages: [{ role: 'user', content: query }] })),
    map((response) => response.content),
    toArray(),
  );
  const done = lastValueFrom(suggestions$);
  for (const [i, query] of typed.entries()) {
    keys$.next(query);
    await gateway.waitForRequests(first + i + 1);
  }
  keys$.complete();
  const shown = await done;
  const sent = gateway.requests.slice(first);
  await Promise.all(sent.map((request) => request.closed));
  const aborted = sent.filter((request) => request.abortedByClient).length;
  console.log(`typeahead: ${typed.length} keystrokes, ${sent.length} requests, ${aborted} superseded and aborted`);
  console.log(`typeahead: shown ${JSON.stringify(shown)}`);
}
