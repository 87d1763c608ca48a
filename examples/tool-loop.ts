/**
 * A tool loop with two tools: `get_weather` (async, as a real HTTP lookup would be) and `clothing_for`
 * (a plain function). runTools$ streams each turn's text, runs the tools the model asks for, and ends with
 * the answer; every step is printed as it happens.
 */
import { lastValueFrom, tap } from 'rxjs';
import { LlmGateway, runTools$, ToolLoopEvent, Tools } from '../lib';

const WEATHER: Record<string, { celsius: number; sky: string }> = {
  Paris: { celsius: 18, sky: 'cloudy' },
  Oslo: { celsius: 4, sky: 'raining' },
};

const tools: Tools = {
  get_weather: async ({ city }) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { city, ...WEATHER[String(city)] };
  },
  clothing_for: ({ celsius }) => (Number(celsius) < 10 ? 'a warm coat' : 'a light jacket'),
};

// What the model is told about the tools (OpenAI function definitions, passed through by the gateway).
const definitions = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
  { type: 'function', function: { name: 'clothing_for', parameters: { type: 'object', properties: { celsius: { type: 'number' } } } } },
];

export async function toolLoop(client: LlmGateway): Promise<void> {
  const request = {
    model: 'agent',
    tools: definitions,
    messages: [{ role: 'user', content: 'What should I wear in Paris and Oslo today?' }],
  };
  let lastText = '';
  const answer = await lastValueFrom(
    runTools$(client, request, tools, { stream: true, maxSteps: 4 }).pipe(
      tap((event: ToolLoopEvent) => {
        if (event.type === 'text') lastText = event.text;
        else console.log(`tool loop: step ${event.step} ${describe(event)}`);
      }),
    ),
  );
  if (answer.type !== 'answer') throw new Error(`the loop ended on ${answer.type}`);
  console.log(`tool loop: streamed text of the last turn: ${JSON.stringify(lastText)}`);
  console.log(`tool loop: ${answer.messages.length} messages in the conversation`);
}

function describe(event: Exclude<ToolLoopEvent, { type: 'text' }>): string {
  switch (event.type) {
    case 'turn':
      return `turn: ${event.response.toolCalls.map((call) => call.name).join(', ')}`;
    case 'tool-call':
      return `tool-call ${event.call.name}(${JSON.stringify(event.call.arguments)})`;
    case 'tool-result':
      return `tool-result ${event.call.name} -> ${event.content}`;
    case 'answer':
      return `answer: ${event.response.content}`;
  }
}
