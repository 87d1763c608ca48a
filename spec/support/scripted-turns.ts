/** A gateway handler that plays a tool-calling model: the n-th LLM request gets the n-th scripted turn. */
import type { GatewayHandler } from '../../lib/testing';

/** One model turn: its text and the tools it asks for (wire shape: `{ id, name, arguments }`). */
export interface ScriptedTurn {
  content?: string;
  toolCalls?: Array<{ id: string; name: string; arguments: Record<string, unknown> }>;
}

/**
 * Answers `/chat` with one JSON object and `/chat/stream` with the text word by word, then a chunk carrying
 * the tool calls and usage. Requests past the script get the last turn again.
 */
export function scriptedTurns(turns: ScriptedTurn[]): GatewayHandler {
  let n = 0;
  return async (req, reply) => {
    const turn = turns[Math.min(n++, turns.length - 1)];
    const content = turn.content ?? '';
    const tool_calls = turn.toolCalls ?? [];
    const usage = { prompt_tokens: 10, completion_tokens: 5 };
    if (!req.path.endsWith('/stream')) {
      reply.json(200, { content, model: 'agent', usage, tool_calls, latency_ms: 1 });
      return;
    }
    const words = content.split(/(?<=\s)/).filter((word) => word !== '');
    const chunks = words.map((word) => ({ content: word, model: 'agent', tool_calls: [], usage: null, is_final: false }));
    await reply.sse([...chunks, { content: '', model: 'agent', tool_calls, usage, is_final: true }]);
  };
}
