import type { DispatchCandidate } from './dispatch-types.ts';
import type { PoolCall, SettledCall } from './pool-call.ts';

// When the dispatcher looks at its calls again: a lone call's stall time, its next step, and the
// first of a settled call, a wake-up time or an event.

/** When the single call in flight counts as stalled (see `StepWatch`); null when none applies. */
export function stallAt(
  running: ReadonlySet<PoolCall>,
  waiting: readonly DispatchCandidate[],
  started: number,
  maxAttempts: number,
): number | null {
  if (running.size !== 1 || waiting.length === 0 || started >= maxAttempts) return null;
  const [call] = running;
  return call?.steps?.stalledAt() ?? null;
}

/**
 * The lone streamed call's next step, while a step is a reason to look again (`watch`): until it
 * has stepped enough for its silence to be judged, and while its pace may still earn it a hedge.
 */
export function untilNextStep(running: ReadonlySet<PoolCall>, watch: boolean): Promise<void> | null {
  if (!watch || running.size !== 1) return null;
  const [call] = running;
  return call?.steps?.nextStep() ?? null;
}

/** The earlier of two wake-up times; null when neither is set. */
export function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

/** The first call to settle, or 'hedge' if the wake-up time (or `wakeOn`) comes first. */
export async function nextEvent(
  running: ReadonlySet<PoolCall>,
  wakeAtMs: number | null,
  now: () => number,
  wakeOn: Promise<void> | null,
): Promise<SettledCall | 'hedge'> {
  const settling: Promise<SettledCall | 'hedge'>[] = [...running].map((call) => call.settled);
  if (wakeOn) settling.push(wakeOn.then(() => 'hedge' as const));
  if (wakeAtMs === null) return Promise.race(settling);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'hedge'>((resolve) => {
    timer = setTimeout(() => resolve('hedge'), Math.max(0, wakeAtMs - now()));
  });
  try {
    return await Promise.race([...settling, late]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
