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

/** Load figures carried in response headers. */
export interface PiggybackedLoad {
  readonly queued: number;
  readonly running: number;
  readonly slots: number;
  readonly draining: boolean;
}

// Read on every pool answer at the edge, where zod runs without its JIT: four fields are
// cheaper to check by hand. A count is 1–9 decimal digits, nothing else.
const COUNT = /^\d{1,9}$/;

/** Header entries for a pool's current load. */
export function loadHeaders(load: PiggybackedLoad): Record<string, string> {
  return {
    [loadHeaderNames.queued]: String(load.queued),
    [loadHeaderNames.running]: String(load.running),
    [loadHeaderNames.slots]: String(load.slots),
    [loadHeaderNames.draining]: load.draining ? '1' : '0',
  };
}

/** Reads piggybacked load from response headers; `null` if any figure is absent or malformed. */
export function parseLoadHeaders(headers: Headers): PiggybackedLoad | null {
  const queued = headers.get(loadHeaderNames.queued);
  const running = headers.get(loadHeaderNames.running);
  const slots = headers.get(loadHeaderNames.slots);
  const draining = headers.get(loadHeaderNames.draining);
  if (queued === null || running === null || slots === null) return null;
  if (!COUNT.test(queued) || !COUNT.test(running) || !COUNT.test(slots)) return null;
  if (draining !== '0' && draining !== '1') return null;
  return {
    queued: Number(queued),
    running: Number(running),
    slots: Number(slots),
    draining: draining === '1',
  };
}
