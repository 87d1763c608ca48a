/**
 * `llm-gateway-rx/testing`: a scriptable LLM gateway on 127.0.0.1 for tests, demos and integration tests.
 * Node only (node:http, node:crypto); never imported by the browser-safe main entry point. It also re-exports
 * the browser-safe fake gateway and its testing controller (`llm-gateway-rx/testing/controller`).
 */
export { startTestGateway, RequestWaitError } from './test-gateway';
export type { TestGateway, TestGatewayOptions, GatewayHandler } from './test-gateway';
export type { RecordedRequest } from './recorded-request';
export { ReplyAlreadyStartedError } from './reply';
export type { Reply, SseReplyOptions } from './reply';
export type { ScriptedModelOptions } from './scripted-model';
export { DevTokenAuthority } from './dev-tokens';
export type { DevAuthOptions, DevTokenClaims, DevTokenVerdict } from './dev-tokens';
export { forwardToOpenAi } from './openai-upstream';
export type { OpenAiUpstreamOptions } from './openai-upstream';
export * from './controller';
