/**
 * llm-gateway-rx: an RxJS client for a server-side LLM gateway. The public surface; internals (transport,
 * SSE parser, auth plumbing) are not exported.
 */
export { LlmGatewayClient } from './client';
export type { LlmGatewayClientOptions } from './client';
export type { AxiosLike } from './axios-request';
export type { LlmGateway } from './gateway';
export type { RefreshToken } from './auth';
export type { ClientStatus } from './client-status';
export type { RetryPolicy } from './retry-request';
export type { Logger } from './logger';
export type { ChatMessage, ChatMessageFields, LLMRequest, LLMResponse, StreamChunk, TokenUsage, ToolCall } from './protocol';
export {
  AuthenticationError,
  ConnectionError,
  GatewayError,
  LLMProviderError,
  ModelNotFoundError,
  RequestTimeoutError,
  ResponseValidationError,
  StreamError,
} from './errors';
export type { LLMProviderErrorOptions, RequestInfo, StreamErrorType } from './errors';
export { accumulate } from './accumulate';
export type { AccumulateOptions } from './accumulate';
export { textSoFar } from './text-so-far';
export { runTools$ } from './run-tools';
export type { RunToolsOptions, ToolLoopEvent } from './run-tools';
export type { Tool, ToolContext, Tools } from './run-tool';
export { openAiToolMessages } from './tool-messages';
export type { ToolMessages, ToolResult } from './tool-messages';
export { MaxStepsExceededError, UnknownToolError } from './tool-loop-errors';
