/**
 * `npm run gateway`: the dev gateway that ships with the library (`llm-gateway-rx/testing`, Node only) on
 * 127.0.0.1:8787, where `npm start` (ng serve) proxies `/api`. Its scripted model streams a word every 60 ms.
 * Tokens are not checked here, so the page needs no login; the e2e test runs it with auth on and token expiry.
 */
import { startTestGateway } from 'llm-gateway-rx/testing';

const ANSWER =
  'An RxJS client turns each gateway call into a cold Observable. Nothing is sent until you subscribe, tokens ' +
  'arrive as a stream you can render as they come, and unsubscribing (Stop, or leaving the page) aborts the ' +
  'HTTP request. When the JWT expires, one shared refresh serves every request that was waiting.';

const gateway = await startTestGateway({ port: Number(process.env.PORT ?? 8787), model: { reply: ANSWER, wordDelayMs: 60 } });
console.log(`dev gateway on ${gateway.url} (Ctrl+C to stop)`);
process.on('SIGINT', () => void gateway.close().then(() => process.exit(0)));
