/** fetch (undici) + eventsource-parser + JSON.parse, each as its documentation shows. */
import { createParser } from 'eventsource-parser';
import { headers, requestBody, STREAM_PATH, type E2eClient } from './request';

export const run: E2eClient = async (url, events) => {
  const response = await fetch(url + STREAM_PATH, { method: 'POST', headers, body: requestBody(events) });
  let length = 0;
  const parser = createParser({
    onEvent: (event) => {
      if (event.data !== '[DONE]') length += JSON.parse(event.data).content.length;
    },
  });
  const decoder = new TextDecoder();
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  return length;
};
