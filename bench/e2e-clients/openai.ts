/** openai-node's streaming chat completion, on the gateway's OpenAI-format route. */
import OpenAI from 'openai';
import type { E2eClient } from './request';

let openai: OpenAI | undefined;

export const run: E2eClient = async (url, events) => {
  openai ??= new OpenAI({ apiKey: 't', baseURL: `${url}/v1`, maxRetries: 0 });
  const stream = await openai.chat.completions.create({ model: 'bench', messages: [{ role: 'user', content: 'bench' }], stream: true, max_tokens: events });
  let length = 0;
  for await (const chunk of stream) length += chunk.choices[0]?.delta?.content?.length ?? 0;
  return length;
};
