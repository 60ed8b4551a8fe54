export { SpillwayError, type SpillwayErrorInit } from './errors.ts';
export type { StreamOptions } from './job-stream.ts';
export type { CreateOptions, RequestOptions, SpillwayOptions, TokenProvider } from './options.ts';
export { parseErrorEnvelope, parseGenerationResponse, parseJobResource, servedBy } from './parse.ts';
export { readServerSentEvents, type ServerSentEvent } from './server-sent-events.ts';
export { type GetOptions, Spillway } from './spillway.ts';
export * from './types.ts';
export { verifyWebhook, type WebhookDelivery } from './webhooks.ts';
