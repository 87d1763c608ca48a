/**
 * `llm-gateway-rx/testing/controller`: a fake {@link LlmGateway} and its testing controller, for unit tests
 * without HTTP. Browser-safe on purpose (no Node built-in anywhere in its imports), unlike
 * `llm-gateway-rx/testing`, whose loopback gateway needs node:http; that entry re-exports this one too.
 */
export { FakeLlmGateway, LlmExpectationError, LlmGatewayTestingController } from './testing-controller';
export type { LlmRequestMatch, VerifyOptions } from './testing-controller';
export { TestLlmRequest, TestRequestClosedError } from './test-llm-request';
export type { LlmRequestKind } from './test-llm-request';
