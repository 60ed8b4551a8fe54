import { z } from 'zod';
import { curveSpecSchema } from './curve-spec.ts';

// The pool schema lives apart from the scenario schema so that the built-in fleet
// (`default-fleet.ts`) and the scenario schema that defaults to it both depend on it, and not on
// each other.

/** One pool of a fleet, as a scenario file (or the built-in fleet) describes it. */
export const poolSpecSchema = z.strictObject({
  id: z.string().min(1),
  provider: z.string().min(1),
  region: z.string().min(1),
  slots: z.number().int().positive().describe('Images denoised at once.'),
  jobMs: z
    .number()
    .positive()
    .describe('Time for the reference request alone (one 512x512 image, 30 steps), ms.'),
  curve: curveSpecSchema.optional().describe('Its true step curve; see the scenario for the default.'),
  batchSlowdown: z
    .number()
    .nonnegative()
    .optional()
    .describe('Shorthand for a `batch-slowdown` curve where `curve` is not given.'),
  pricePerImage: z
    .number()
    .nonnegative()
    .nullable()
    .optional()
    .describe('USD per image the provider charges; absent or null: owned, free.'),
});

/** One pool of a scenario's fleet. */
export type PoolSpec = z.infer<typeof poolSpecSchema>;
