import { z } from 'zod';
import { errorEnvelopeSchema } from './error-envelope.ts';
import { generationResponseSchema } from './generation-response.ts';

/**
 * `queued`: the job waits; `position` counts images ahead of it (0 = next). A stream's opening
 * event for a job that went straight into a batch also says that batch's size.
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
        "several batches): read on the pool's step curve, how fast it will step. Only on the opening event " +
        'of a job that got its slots at once; absent from older pools.',
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
