import { z } from 'zod';
import { curveSpecSchema } from './curve-spec.ts';

// The pool schema lives apart from the scenario schema so that the built-in fleet
// (`default-fleet.ts`) and the scenario schema that defaults to it both depend on it, and not on
// each other.

/**
 * Quickest reference request a pool may take, ms: 30 steps of a 512x512 image in a millisecond is
 * some 600 times the built-in fleet's fastest pool (600 ms) and far past any real GPU. Below it the
 * simulated steps (a tenth of `jobMs / 30` for a small batch) near the microsecond a pool's report
 * may state (`MIN_CURVE_STEP_MS`), and whole runs last a few simulated milliseconds.
 */
export const MIN_JOB_MS = 1;

/** One pool of a fleet, as a scenario file (or the built-in fleet) describes it. */
export const poolSpecSchema = z.strictObject({
  id: z.string().min(1),
  provider: z.string().min(1),
  region: z.string().min(1),
  slots: z.number().int().positive().describe('Images denoised at once.'),
  jobMs: z
    .number()
    .min(MIN_JOB_MS)
    .describe('Time for the reference request alone (one 512x512 image, 30 steps), ms (at least 1).'),
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
