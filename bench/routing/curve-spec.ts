import { z } from 'zod';
import {
  MAX_REPORTED_MS,
  MAX_REPORTED_WORK,
  MIN_CURVE_MEGAPIXELS,
  MIN_CURVE_STEP_MS,
} from '../../shared/schemas/telemetry-report.ts';

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
        .array(
          z.strictObject({
            // The bounds a pool's report may state (`stepCurvePointSchema`).
            batchMegapixels: z.number().min(MIN_CURVE_MEGAPIXELS).max(MAX_REPORTED_WORK),
            stepMs: z.number().min(MIN_CURVE_STEP_MS).max(MAX_REPORTED_MS),
          }),
        )
        .min(1)
        .superRefine(checkBatchingLaws)
        .transform(sortedPoints)
        .describe(
          'Measured points in any order (sorted on load; a point given twice with one stepMs counts once); ' +
            'a larger batch never steps faster. Linear between, flat below, proportional beyond.',
        ),
    })
    .describe('A measured curve, in absolute ms (the pool’s `jobMs` is then only its label).'),
]);

/** One curve shape. */
export type CurveSpec = z.infer<typeof curveSpecSchema>;
/** A curve shape as a file writes it (defaults optional). */
export type CurveSpecInput = z.input<typeof curveSpecSchema>;

/** One point of a `points` curve. */
export interface CurvePoint {
  readonly batchMegapixels: number;
  readonly stepMs: number;
}

/** The points by increasing batch, each batch once (the refinement refused two step times for one). */
function sortedPoints(points: readonly CurvePoint[]): CurvePoint[] {
  const sorted = [...points].sort((a, b) => a.batchMegapixels - b.batchMegapixels);
  return sorted.filter(
    (point, index) => index === 0 || point.batchMegapixels !== sorted[index - 1]?.batchMegapixels,
  );
}

/**
 * The first law of batching (`docs/gpu-node.md`): a larger batch never steps faster than a smaller
 * one, so a curve is a non-decreasing function of the batch. A batch given twice with different step
 * times, or a step time that falls as the batch grows, is refused, naming the later point as the
 * file lists it. The second law (never less work per ms) need not hold in the simulated world: real
 * hardware can lose some throughput at large batches, as the shipped mixed-curves points do.
 */
function checkBatchingLaws(points: readonly CurvePoint[], context: z.RefinementCtx): void {
  const order = points.map((point, index) => ({ point, index }));
  order.sort((a, b) => a.point.batchMegapixels - b.point.batchMegapixels || a.index - b.index);
  for (let at = 1; at < order.length; at++) {
    const before = order[at - 1];
    const here = order[at];
    if (!before || !here) continue;
    const [smaller, larger] = [before.point, here.point];
    const later = Math.max(before.index, here.index);
    if (larger.batchMegapixels === smaller.batchMegapixels && larger.stepMs !== smaller.stepMs) {
      context.addIssue({
        code: 'custom',
        path: [later],
        message: `batchMegapixels ${larger.batchMegapixels} is given twice with different stepMs (${points[Math.min(before.index, here.index)]?.stepMs} and ${points[later]?.stepMs})`,
      });
    } else if (larger.stepMs < smaller.stepMs) {
      context.addIssue({
        code: 'custom',
        path: [here.index],
        message: `a larger batch steps faster: ${larger.batchMegapixels} MP at ${larger.stepMs} ms after ${smaller.batchMegapixels} MP at ${smaller.stepMs} ms (a larger batch never steps faster than a smaller one)`,
      });
    }
  }
}
