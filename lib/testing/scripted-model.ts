/**
 * The gateway's default replier: a stand-in model that speaks the gateway wire protocol (../protocol.ts) without any
 * provider behind it. `/chat` answers one JSON object; `/chat/stream` streams the reply word by word, then a
 * final chunk carrying usage, then `data: [DONE]`. Tokens are counted as words, which is all a test needs.
 */
import type { RecordedRequest } from './recorded-request';
import type { ScriptedReply } from './reply';

/** What the scripted model says and how fast it streams. */
export interface ScriptedModelOptions {
  /** The reply text, or a function of the request; default: a short friendly sentence echoing the last user message. */
  reply?: string | ((req: RecordedRequest) => string);
  /** Pause between streamed events in milliseconds; default 0. */
  wordDelayMs?: number;
}

const CHAT_PATH = '/api/v1/llm/chat';
const STREAM_PATH = '/api/v1/llm/chat/stream';

/**
 * Answers one LLM request as the scripted model: `POST /api/v1/llm/chat` with the JSON answer,
 * `POST /api/v1/llm/chat/stream` with the word-by-word stream (stopping as soon as the client goes away),
 * anything else 404 `{"detail": "not found"}`. Throws only if `options.reply` throws.
 */
export async function answerAsScriptedModel(
  req: RecordedRequest,
  reply: ScriptedReply,
  options: ScriptedModelOptions = {},
): Promise<void> {
  const pathname = new URL(req.path, 'http://gateway.invalid').pathname;
  const isChat = req.method === 'POST' && pathname === CHAT_PATH;
  const isStream = req.method === 'POST' && pathname === STREAM_PATH;
  if (!isChat && !isStream) {
    reply.json(404, { detail: 'not found' });
    return;
  }
  const content = typeof options.reply === 'function' ? options.reply(req) : (options.reply ?? greeting(req));
  const model = requestedModel(req);
  const usage = { prompt_tokens: countWords(promptText(req)), completion_tokens: countWords(content) };
  if (isChat) {
    const latencyMs = Math.round((performance.now() - req.receivedAt) * 100) / 100;
    reply.json(200, { content, model, usage, tool_calls: [], latency_ms: latencyMs });
    return;
  }
  const words = content.split(/(?<=\s)(?=\S)/).filter((word) => word.length > 0);
  const chunks: object[] = words.map((word) => ({
    content: word,
    model,
    tool_calls: [],
    usage: null,
    is_final: false,
  }));
  chunks.push({ content: '', model, tool_calls: [], usage, is_final: true });
  await reply.sse(chunks, { delayMs: options.wordDelayMs ?? 0 });
}

function greeting(req: RecordedRequest): string {
  const said = lastUserMessage(req);
  return said ? `Hello from the test gateway! You said: ${said}` : 'Hello from the test gateway!';
}

function requestedModel(req: RecordedRequest): string {
  const model = bodyField(req, 'model');
  return typeof model === 'string' && model.length > 0 ? model : 'scripted-model';
}

function messages(req: RecordedRequest): Array<Record<string, unknown>> {
  const list = bodyField(req, 'messages');
  return Array.isArray(list) ? list.filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null) : [];
}

function lastUserMessage(req: RecordedRequest): string {
  const user = messages(req)
    .filter((m) => m.role === 'user' && typeof m.content === 'string')
    .pop();
  return user ? String(user.content).trim() : '';
}

function promptText(req: RecordedRequest): string {
  return messages(req)
    .map((m) => (typeof m.content === 'string' ? m.content : ''))
    .join(' ');
}

function bodyField(req: RecordedRequest, name: string): unknown {
  return typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>)[name] : undefined;
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}
