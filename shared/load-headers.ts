import { z } from 'zod';

/**
 * Load figures a pool piggybacks on every response, so callers learn the pool's state
 * without an extra request. Header values are plain non-negative integers.
 */
export const loadHeaderNames = {
  queued: 'x-spillway-queued',
  running: 'x-spillway-running',
  slots: 'x-spillway-slots',
  draining: 'x-spillway-draining',
} as const;

const loadSchema = z.object({
  queued: z.coerce.number().int().nonnegative(),
  running: z.coerce.number().int().nonnegative(),
  slots: z.coerce.number().int().nonnegative(),
  draining: z.enum(['0', '1']).transform((value) => value === '1'),
});

/** Load figures carried in response headers. */
export type PiggybackedLoad = z.infer<typeof loadSchema>;

/** Header entries for a pool's current load. */
export function loadHeaders(load: PiggybackedLoad): Record<string, string> {
  return {
    [loadHeaderNames.queued]: String(load.queued),
    [loadHeaderNames.running]: String(load.running),
    [loadHeaderNames.slots]: String(load.slots),
    [loadHeaderNames.draining]: load.draining ? '1' : '0',
  };
}

/** Reads piggybacked load from response headers; `null` if absent or malformed. */
export function parseLoadHeaders(headers: Headers): PiggybackedLoad | null {
  const parsed = loadSchema.safeParse({
    queued: headers.get(loadHeaderNames.queued) ?? undefined,
    running: headers.get(loadHeaderNames.running) ?? undefined,
    slots: headers.get(loadHeaderNames.slots) ?? undefined,
    draining: headers.get(loadHeaderNames.draining) ?? undefined,
  });
  return parsed.success ? parsed.data : null;
}
