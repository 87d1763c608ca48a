/**
 * `npm run examples`: three agent pipelines against the embedded dev gateway, whose route plays a model
 * (examples/agent-model.ts): a typeahead (switchMap), a fan-out (mergeMap with concurrency 3) and a tool
 * loop (runTools$ with two tools). Exits 0 when all three ran; CI runs it through spec/examples.spec.ts.
 */
import { BehaviorSubject } from 'rxjs';
import { LlmGatewayClient } from '../lib';
import { startTestGateway } from '../lib/testing';
import { agentModel } from './agent-model';
import { fanOut } from './fan-out';
import { toolLoop } from './tool-loop';
import { typeahead } from './typeahead';

async function main(): Promise<void> {
  const gateway = await startTestGateway();
  const model = agentModel();
  gateway.route(model.handler);
  const client = new LlmGatewayClient({ serverUrl: gateway.url, token$: new BehaviorSubject('dev-token') });
  try {
    await typeahead(client, gateway);
    await fanOut(client, model.stats);
    await toolLoop(client);
  } finally {
    await gateway.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
