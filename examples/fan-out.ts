/**
 * Fan-out: summarise many documents with `mergeMap(…, 3)`, at most three requests in flight, answers in the
 * order they finish; `toArray` gathers them.
 */
import { from, lastValueFrom, map, mergeMap, toArray } from 'rxjs';
import type { LlmGateway } from '../lib';
import type { AgentModelStats } from './agent-model';

const DOCUMENTS = [
  'Observables are lazy. Nothing happens until a subscriber arrives.',
  'Unsubscribing tears down. The HTTP request is aborted.',
  'switchMap cancels. Only the latest inner Observable lives.',
  'mergeMap can bound concurrency. Its second argument says how many at once.',
  'Streams compose. Operators are plain functions.',
  'Errors are values too. catchError turns them into data.',
];

export async function fanOut(client: LlmGateway, stats: AgentModelStats): Promise<void> {
  const summaries = await lastValueFrom(
    from(DOCUMENTS).pipe(
      mergeMap((text) => client.chat$({ model: 'summarize', messages: [{ role: 'user', content: text }] }), 3),
      map((response) => response.content),
      toArray(),
    ),
  );
  console.log(`fan-out: ${summaries.length} summaries of ${DOCUMENTS.length} documents, at most ${stats.maxInFlight} in flight`);
  console.log(`fan-out: ${[...summaries].sort().join(' ')}`);
}
