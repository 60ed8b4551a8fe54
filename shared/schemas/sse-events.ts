import { z } from 'zod';
import { errorEnvelopeSchema } from './error-envelope.ts';
import { generationResponseSchema } from './generation-response.ts';

/**
 * `queued`: the job waits; `position` counts images ahead of it (0 = next) and `start_in_ms` says how
 * long the pool expects that to take. A stream's opening event for a job that went straight into a
 * batch says that batch's size instead.
 */
export const queuedEventSchema = z.object({
  job_id: z.string(),
  position: z.number().int().nonnegative(),
  batch_megapixels: z
    .number()
    .nonnegative()
    .optional()
    .describe(
      "Megapixels of the batch the job's images joined, their own included (the largest, if spread over " +
        "several batches): read on the pool's step curve, how fast it will step. On the opening event " +
        'of a job that got its slots at once; with `start_in_ms`, the batch running now, which the waiting ' +
        'job will join. Absent from older pools.',
    ),
  start_in_ms: z
    .number()
    .nonnegative()
    .optional()
    .describe(
      "The pool's estimate of the ms until the job's first waiting image gets a slot: the running images " +
        'hold their slots for the steps they have left and the images ahead take them in order, at the ' +
        "running batch's step time. Only while the job waits, once the pool has timed a step; absent from older pools.",
    ),
});
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
