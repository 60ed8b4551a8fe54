// The conformance suite (./conformance/) imports vitest and is deliberately not re-exported.
export type {
  BackendCall,
  BackendCancelCall,
  BackendProbe,
  BackendProbeCall,
  BackendProgress,
  BackendResult,
  FetchFunction,
  ImageBackend,
  PoolUpstream,
} from './backend.ts';
export { BackendCallError, type BackendCallErrorInit } from './backend-call-error.ts';
export {
  classifyHttpFailure,
  type FailureClass,
  type HttpFailure,
  httpFailureError,
  type NoAnswerReason,
  noAnswerError,
  parseRetryAfter,
} from './failure-policy.ts';
export * from './fal/index.ts';
export * from './gpu-node/index.ts';
export * from './kserve/index.ts';
export * from './openai-compatible/index.ts';
export { isRedirect, redirectError, sendWithoutRedirects } from './pool-fetch.ts';
export { MAX_ANSWER_BYTES } from './provider-kit/answer-limits.ts';
export { pngSizeOfBase64 } from './provider-kit/png-frame.ts';
export { type BackendProtocol, backends, isBackendProtocol } from './registry.ts';
export * from './replicate/index.ts';
