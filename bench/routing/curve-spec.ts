import { z } from 'zod';

// The shapes a pool's true step curve can take in a scenario. Apart from the pool schema so that
// the built-in fleet, the pool schema and the scenario schema can all use them without a cycle.

/**
 * How a pool's step time grows with the megapixels in its batch, relative to one reference image
 * (`REFERENCE_SIZE`: the pool's `jobMs` is that image alone at `REFERENCE_STEPS` steps).
 */
export const curveSpecSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({
      kind: z.literal('near-linear'),
      overhead: z
        .number()
        .min(0)
        .lt(1)
        .default(0.1)
        .describe('Share of a reference step that does not grow with the batch (launch, scheduler).'),
    })
    .describe(
      'Compute-bound: step time grows in proportion to the batch (a CPU, or diffusion at 512-1024 px).',
    ),
  z
    .strictObject({
      kind: z.literal('sublinear'),
      exponent: z.number().gt(0).max(1).default(0.5).describe('Step time ∝ batch^exponent below saturation.'),
      saturationMegapixels: z
        .number()
        .positive()
        .default(4)
        .describe('Batch beyond which the GPU is full and step time grows in proportion.'),
    })
    .describe(
      'Memory- or launch-bound until the GPU fills: batching gains a lot (a small model on a big GPU).',
    ),
  z
    .strictObject({
      kind: z.literal('batch-slowdown'),
      slowdown: z.number().nonnegative().describe('Extra step time of a full batch of reference images.'),
    })
    .describe('The pre-issue-13 model: linear in images from one to a full batch, no faster below one.'),
  z
    .strictObject({
      kind: z.literal('points'),
      points: z
        .array(z.strictObject({ batchMegapixels: z.number().positive(), stepMs: z.number().positive() }))
        .min(1)
        .describe('Measured points, increasing batch; linear between, flat below, proportional beyond.'),
    })
    .describe('A measured curve, in absolute ms (the pool’s `jobMs` is then only its label).'),
]);

/** One curve shape. */
export type CurveSpec = z.infer<typeof curveSpecSchema>;
/** A curve shape as a file writes it (defaults optional). */
export type CurveSpecInput = z.input<typeof curveSpecSchema>;
