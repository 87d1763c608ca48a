/**
 * The seeded synthetic gateway stream every benchmark reads: events shaped like the gateway's (Python
 * `json.dumps` spacing, raw UTF-8), content of 5-40 characters, a third of them with CJK, emoji, Cyrillic
 * and JSON escapes, ending with a final chunk carrying usage and `data: [DONE]`. Same seed, same bytes.
 */

/** A deterministic PRNG (mulberry32): returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ASCII_PIECES = ['the', ' model', ' token', ' stream', 'ing', ' of', ' and', ' a', ' data', ',', '.', ' is', ' we', ' 42'];
// Each "wide" event mixes these with ASCII: multi-byte characters (2, 3 and 4 bytes) and JSON escapes.
const WIDE_PIECES = ['Привет', ' мир', '你好', '世界', '🙂', '👋🏽', 'é', ' "quoted"', '\\', '\n', '\t', ' ок', '日本語', 'ü'];

/** The content of event `index`: 5 to 40 UTF-16 units, every third one "wide". */
function content(random: () => number, wide: boolean): string {
  const target = 5 + Math.floor(random() * 36);
  let text = '';
  while (text.length < target) {
    const pieces = wide && random() < 0.6 ? WIDE_PIECES : ASCII_PIECES;
    text += pieces[Math.floor(random() * pieces.length)];
  }
  // Never cut a surrogate pair: the content stays valid text.
  let end = target;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end++;
  return text.slice(0, end);
}

/** One gateway event line pair, as the Python gateway writes it (`json.dumps(..., ensure_ascii=False)`). */
export function gatewayEvent(text: string, model: string, final = false): string {
  const usage = final ? '{"prompt_tokens": 12, "completion_tokens": 345}' : 'null';
  return `data: {"content": ${JSON.stringify(text)}, "model": "${model}", "tool_calls": [], "usage": ${usage}, "is_final": ${final}}\n\n`;
}

/** The same content as an OpenAI `chat.completion.chunk` event (for openai-node's route). */
export function openAiEvent(text: string, model: string, index: number): string {
  return `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"${model}","choices":[{"index":0,"delta":{"content":${JSON.stringify(text)}},"finish_reason":null}],"seq":${index}}\n\n`;
}

/** Contents of `count` events from `seed`. */
export function contents(count: number, seed = 1): string[] {
  const random = seededRandom(seed);
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = content(random, i % 3 === 2);
  return out;
}

/** Whole gateway stream text for `count` events: `count - 1` plain chunks, one final chunk, `[DONE]`. */
export function gatewayStream(count: number, seed = 1, model = 'gpt-bench'): string {
  const texts = contents(count, seed);
  let out = '';
  for (let i = 0; i < count; i++) out += gatewayEvent(texts[i], model, i === count - 1);
  return out + 'data: [DONE]\n\n';
}

/** Whole OpenAI-format stream text for `count` events, ending with `[DONE]`. */
export function openAiStream(count: number, seed = 1, model = 'gpt-bench'): string {
  const texts = contents(count, seed);
  let out = '';
  for (let i = 0; i < count; i++) out += openAiEvent(texts[i], model, i);
  return out + 'data: [DONE]\n\n';
}

/** About `bytes` bytes (UTF-8) of plain gateway events (no final chunk, no `[DONE]`), and how many. */
export function gatewayEventsOfSize(bytes: number, seed = 1): { bytes: Buffer; events: number } {
  const parts: Buffer[] = [];
  const random = seededRandom(seed);
  let total = 0;
  let events = 0;
  while (total < bytes) {
    let block = '';
    for (let i = 0; i < 1000; i++, events++) block += gatewayEvent(content(random, events % 3 === 2), 'gpt-bench');
    const buffer = Buffer.from(block, 'utf8');
    parts.push(buffer);
    total += buffer.length;
  }
  return { bytes: Buffer.concat(parts), events };
}

/** What ends every gateway stream here: a final chunk with usage, then `[DONE]`. */
export const STREAM_END = gatewayEvent('.', 'gpt-bench', true) + 'data: [DONE]\n\n';

/** A whole gateway stream of about `bytes` bytes, and how many chunks it holds (the final one included). */
export function gatewayStreamOfSize(bytes: number, seed = 1): { bytes: Buffer; events: number } {
  const plain = gatewayEventsOfSize(bytes, seed);
  return { bytes: Buffer.concat([plain.bytes, Buffer.from(STREAM_END, 'utf8')]), events: plain.events + 1 };
}

/** Cuts `bytes` into views of 1 B to `maxChunk` bytes, seeded: cuts fall anywhere, inside characters too. */
export function randomChunks(bytes: Uint8Array, maxChunk = 16 * 1024, seed = 7): Uint8Array[] {
  const random = seededRandom(seed);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(random() * maxChunk);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}
