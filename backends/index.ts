// The conformance suite (./conformance/) imports vitest and is deliberately not re-exported.
export type {
  BackendCall,
  BackendCancelCall,
  BackendProgress,
  BackendResult,
  FetchFunction,
  ImageBackend,
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
export * from './gpu-node/index.ts';
export { isRedirect, redirectError, sendWithoutRedirects } from './pool-fetch.ts';
export { type BackendProtocol, backends, isBackendProtocol } from './registry.ts';
