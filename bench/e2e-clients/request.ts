/**
 * The request every end-to-end client sends to the bench gateway, so that they differ only in how they read
 * the answer.
 */
export const STREAM_PATH = '/api/v1/llm/chat/stream';
export const messages = [{ role: 'user', content: 'bench' }];
export const requestBody = (events: number) => JSON.stringify({ model: 'bench', messages, max_tokens: events, stream: true });
export const headers = { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer t' };

/** One client: reads a stream of `events` events and resolves with the total content length it decoded. */
export type E2eClient = (url: string, events: number) => Promise<number>;
