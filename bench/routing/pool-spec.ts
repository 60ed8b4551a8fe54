import { z } from 'zod';

// The pool schema lives apart from the scenario schema so that the built-in fleet
// (`default-fleet.ts`) and the scenario schema that defaults to it both depend on it, and not on
// each other.

/** One pool of a fleet, as a scenario file (or the built-in fleet) describes it. */
export const poolSpecSchema = z.strictObject({
  id: z.string().min(1),
  provider: z.string().min(1),
  region: z.string().min(1),
  slots: z.number().int().positive().describe('Images denoised at once.'),
  jobMs: z.number().positive().describe('Time for one job alone in the batch, ms.'),
});

/** One pool of a scenario's fleet. */
export type PoolSpec = z.infer<typeof poolSpecSchema>;
