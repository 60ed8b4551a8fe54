export {
  type AdapterContext,
  adapterContext,
  adapterOptionsSchema,
  hostedOptionsSchema,
  maxImageBytesOption,
  msOption,
} from './adapter-options.ts';
export {
  type AnswerLimits,
  answerLimits,
  base64Length,
  largestPngBytes,
  MAX_ANSWER_BYTES,
  MAX_PROBE_BODY_BYTES,
  MAX_SMALL_ANSWER_BYTES,
} from './answer-limits.ts';
export {
  type BodyLimit,
  type BoundedChunks,
  boundedChunks,
  oversizedBody,
  readBoundedBytes,
  readBoundedText,
} from './bounded-body.ts';
export { type CallerLimits, callerLimits } from './caller-limits.ts';
export { type DrivenJob, JoinedJobs } from './joined-jobs.ts';
export { asRecord, parseJson } from './json-values.ts';
export { type OutputSpec, outputResult } from './output-result.ts';
export { pause } from './pause.ts';
export { isPngBase64, isPngBytes, pngSizeOfBase64 } from './png-frame.ts';
export { bytesToBase64, downloadPng, type OutputDownload } from './png-output.ts';
export { followJob, type JobPolling, stopJob } from './polled-job.ts';
export {
  DEFAULT_RETRY_AFTER_SECONDS,
  type ProviderRefusal,
  providerAnswerError,
  redact,
  unusableAnswer,
} from './provider-errors.ts';
export {
  credentialHeader,
  type ExchangeReading,
  exchange,
  type ReadAnswer,
  withTimeout,
} from './provider-exchange.ts';
export { originOf, sameOrigin, trimBase, trustedUrl } from './provider-urls.ts';
export { commonWarnings, imageSize, workOfRequest } from './request-options.ts';
