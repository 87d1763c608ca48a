/**
 * The model behind the examples, as a loopback-gateway handler: `suggest` completes a search query (slowly,
 * so a typeahead can supersede it), `summarize` sums up a document (and the gateway counts how many run at
 * once), `agent` plays a tool-calling model: weather for each city asked about, then clothing advice for each
 * temperature, then an answer built from the tool results it was sent. It answers `/chat` and `/chat/stream`.
 */
import type { GatewayHandler, RecordedRequest, Reply } from '../lib/testing';

interface Turn {
  content: string;
  tool_calls?: Array<{ id: string; name: string; arguments: Record<string, unknown> }>;
}

interface WireMessage {
  role: string;
  content?: string | null;
  tool_call_id?: string;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
}

/** How many `summarize` requests the model was answering at once, for the fan-out's summary line. */
export interface AgentModelStats {
  inFlight: number;
  maxInFlight: number;
}

const CITIES = ['Paris', 'Oslo', 'Lisbon', 'Tokyo'];

/** A handler for `startTestGateway().route(...)`, and the counters it keeps. */
export function agentModel(): { handler: GatewayHandler; stats: AgentModelStats } {
  const stats: AgentModelStats = { inFlight: 0, maxInFlight: 0 };
  const handler: GatewayHandler = async (req, reply) => {
    const body = req.body as { model: string; messages: WireMessage[] };
    if (body.model === 'suggest') {
      await sleep(300); // slow enough for the next keystroke to supersede it; a write after an abort is a no-op
      await answer(req, reply, { content: suggestions(lastUserText(body.messages)) });
    } else if (body.model === 'summarize') {
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      await sleep(150);
      stats.inFlight -= 1;
      await answer(req, reply, { content: `${lastUserText(body.messages).split(/[.!?]/)[0]}.` });
    } else {
      await answer(req, reply, agentTurn(body.messages));
    }
  };
  return { handler, stats };
}

function agentTurn(messages: WireMessage[]): Turn {
  const results = toolResults(messages);
  const weather = results.filter((r) => r.name === 'get_weather').map((r) => JSON.parse(r.content) as { city: string; celsius: number; sky: string });
  const advice = results.filter((r) => r.name === 'clothing_for').map((r) => r.content);
  if (weather.length === 0) {
    const cities = CITIES.filter((city) => lastUserText(messages).includes(city));
    return { content: 'Let me check the weather.', tool_calls: cities.map((city, i) => call(`w${i}`, 'get_weather', { city })) };
  }
  if (advice.length === 0) {
    return { content: '', tool_calls: weather.map((w, i) => call(`c${i}`, 'clothing_for', { celsius: w.celsius })) };
  }
  const lines = weather.map((w, i) => `${w.city}: ${w.celsius} °C and ${w.sky}, so ${advice[i]}.`);
  return { content: lines.join(' ') };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function call(id: string, name: string, args: Record<string, unknown>) {
  return { id, name, arguments: args };
}

/** The tool results in the conversation, each with the name of the tool the assistant turn called. */
function toolResults(messages: WireMessage[]): Array<{ name: string; content: string }> {
  const names = new Map<string, string>();
  for (const m of messages) for (const c of m.tool_calls ?? []) names.set(c.id, c.function.name);
  return messages
    .filter((m) => m.role === 'tool')
    .map((m) => ({ name: names.get(m.tool_call_id ?? '') ?? '?', content: String(m.content ?? '') }));
}

function lastUserText(messages: WireMessage[]): string {
  return String(messages.filter((m) => m.role === 'user').at(-1)?.content ?? '');
}

function suggestions(query: string): string {
  return ['operators', 'subjects', 'schedulers'].map((word) => `${query} ${word}`).join(' | ');
}

async function answer(req: RecordedRequest, reply: Reply, turn: Turn): Promise<void> {
  const model = (req.body as { model: string }).model;
  const usage = { prompt_tokens: 20, completion_tokens: turn.content.split(' ').length };
  const tool_calls = turn.tool_calls ?? [];
  if (!req.path.endsWith('/stream')) {
    reply.json(200, { content: turn.content, model, usage, tool_calls, latency_ms: 1 });
    return;
  }
  const words = turn.content.split(/(?<= )/).filter((w) => w !== '');
  const chunks = words.map((content) => ({ content, model, tool_calls: [], is_final: false }));
  await reply.sse([...chunks, { content: '', model, tool_calls, usage, is_final: true }], { delayMs: 5 });
}
