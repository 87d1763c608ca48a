/**
 * One end-to-end client in its own process (so its peak RSS is its own): `node e2e-client.mjs <kind>`. On
 * `{ type: 'run', url, events }` it reads one stream of that many events from the bench gateway and answers
 * `{ type: 'result', ms, events, contentLength }`; on `{ type: 'rss' }` it answers its peak RSS in bytes.
 */
import axios from 'axios';
import { createParser } from 'eventsource-parser';
import { request as httpRequest, Agent } from 'node:http';
import OpenAI from 'openai';
import { BehaviorSubject, lastValueFrom, tap } from 'rxjs';
import { LlmGatewayClient } from '../lib';
import type { BenchMessage } from './worker-process';

const STREAM_PATH = '/api/v1/llm/chat/stream';
const messages = [{ role: 'user', content: 'bench' }];
const requestBody = (events: number) => JSON.stringify({ model: 'bench', messages, max_tokens: events, stream: true });
const headers = { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer t' };

/** What people write by hand: split the text on blank lines, JSON.parse each `data: ` line. */
function naiveSplitter(onContent: (content: string) => void): (text: string) => void {
  let buffered = '';
  return (text) => {
    buffered += text;
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (!event.startsWith('data: ')) continue;
      const data = event.slice(6);
      if (data !== '[DONE]') onContent(JSON.parse(data).content);
    }
  };
}

let ours: LlmGatewayClient | undefined;
const agent = new Agent({ keepAlive: true });
let openai: OpenAI | undefined;

/** The contenders, each reading `events` events and resolving with the total content length it decoded. */
const run: Record<string, (url: string, events: number) => Promise<number>> = {
  async ours(url, events) {
    ours ??= new LlmGatewayClient({ serverUrl: url, token$: new BehaviorSubject('t') });
    let length = 0;
    await lastValueFrom(ours.chatStream$({ model: 'bench', messages, maxTokens: events }).pipe(tap((chunk) => (length += chunk.content.length))), {
      defaultValue: undefined,
    });
    return length;
  },
  async 'fetch-esp'(url, events) {
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
  },
  async 'axios-naive'(url, events) {
    const response = await axios.post(url + STREAM_PATH, requestBody(events), { headers, responseType: 'stream' });
    let length = 0;
    const split = naiveSplitter((content) => (length += content.length));
    response.data.setEncoding('utf8');
    for await (const text of response.data) split(text as string);
    return length;
  },
  'http-naive'(url, events) {
    return new Promise<number>((resolve, reject) => {
      let length = 0;
      const split = naiveSplitter((content) => (length += content.length));
      const req = httpRequest(url + STREAM_PATH, { method: 'POST', headers, agent }, (res) => {
        res.setEncoding('utf8');
        res.on('data', split);
        res.on('end', () => resolve(length));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(requestBody(events));
    });
  },
  async openai(url, events) {
    openai ??= new OpenAI({ apiKey: 't', baseURL: `${url}/v1`, maxRetries: 0 });
    const stream = await openai.chat.completions.create({ model: 'bench', messages: [{ role: 'user', content: 'bench' }], stream: true, max_tokens: events });
    let length = 0;
    for await (const chunk of stream) length += chunk.choices[0]?.delta?.content?.length ?? 0;
    return length;
  },
};

if (process.send) {
  const kind = process.argv[2];
  process.on('message', (message: BenchMessage) => {
    if (message.type === 'run') {
      const started = performance.now();
      run[kind](String(message.url), Number(message.events)).then(
        (contentLength) => process.send!({ type: 'result', ms: performance.now() - started, contentLength }),
        (error: unknown) => process.send!({ type: 'result', error: String(error) }),
      );
    } else if (message.type === 'rss') {
      process.send!({ type: 'rss', maxRss: process.resourceUsage().maxRSS * 1024 });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready' });
}
