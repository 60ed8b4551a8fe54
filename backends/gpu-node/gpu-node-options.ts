import { z } from 'zod';
import type { FetchFunction } from '../backend.ts';
import { maxImageBytesOption } from '../provider-kit/index.ts';

const isFunction = (value: unknown) => typeof value === 'function';

/**
 * Options of the gpu-node adapter. `fetch` and `now` default to the runtime's, looked up per call.
 * `requestTimeoutMs` caps one call below the request deadline: a pool that has not answered by
 * then is given up on (retryable) while time may remain for another pool. `maxImageBytes` bounds
 * an image of a request without a size (the pool's default, unknown at the edge); with a size,
 * the largest PNG of that size does (`answerLimits`).
 */
export const gpuNodeOptionsSchema = z.object({
  fetch: z.custom<FetchFunction>(isFunction, 'fetch must be a function').optional(),
  now: z.custom<() => number>(isFunction, 'now must be a function').optional(),
  requestTimeoutMs: z.number().int().positive().optional(),
  cancelTimeoutMs: z.number().int().positive().default(5_000),
  maxImageBytes: maxImageBytesOption(),
});

/** Options as a caller writes them. */
export type GpuNodeOptions = z.input<typeof gpuNodeOptionsSchema>;
/** Options with defaults applied. */
export type GpuNodeSettings = z.infer<typeof gpuNodeOptionsSchema>;
