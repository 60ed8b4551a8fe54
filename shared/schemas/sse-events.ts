import { z } from 'zod';
import { errorEnvelopeSchema } from './error-envelope.ts';
import { generationResponseSchema } from './generation-response.ts';

/** `queued`: the job waits; `position` counts images ahead of it (0 = next). */
export const queuedEventSchema = z.object({ job_id: z.string(), position: z.number().int().nonnegative() });
/** `progress`: step `step` of `steps` is done for the job's slowest image. */
export const progressEventSchema = z.object({
  job_id: z.string(),
  step: z.number().int().nonnegative(),
  steps: z.number().int().positive(),
});
/** `completed`: the full generation response. */
export const completedEventSchema = generationResponseSchema;
/** `failed`: the error envelope. */
export const failedEventSchema = errorEnvelopeSchema;

/** Server-sent event names of a streamed generation, in the order they can occur. */
export const generationEventNames = ['queued', 'progress', 'completed', 'failed'] as const;

/** Payload of a `queued` event. */
export type QueuedEvent = z.infer<typeof queuedEventSchema>;
/** Payload of a `progress` event. */
export type ProgressEvent = z.infer<typeof progressEventSchema>;
