import { type TiedCall, tiedLoser } from '../../worker/routing/index.ts';
import type { DispatcherState } from './dispatcher-state.ts';
import type { DecisionContext } from './policies/policy.ts';
import type { SimulationContext } from './sim-context.ts';
import type { Copy } from './sim-types.ts';

/**
 * One pool of a tied pair acknowledged its copy (worker/dispatch `tiedPairLoser`), which leaves
 * `remainingMs` as the acknowledgement re-route prices it; routing's `tiedLoser` says whether either
 * copy can be cancelled yet. Until one is, the first answer wins.
 */
export function settleTie(
  sim: SimulationContext,
  copy: Copy,
  context: DecisionContext,
  remainingMs: number,
): void {
  const { job } = copy;
  copy.remainingOnAckMs = remainingMs;
  const [first, second] = job.copies;
  if (!first || !second) return;
  const loser = tiedLoser(tiedCall(sim, context, first), tiedCall(sim, context, second));
  if (loser === null) return;
  job.tied = false;
  const dropped = loser === 'first' ? first : second;
  if (!sim.isLive(dropped)) return;
  (sim.dispatchers[job.dispatcher] as DispatcherState).end(dropped, sim.poolIds[dropped.pool] ?? '');
  sim.at(sim.now + sim.rttOf(dropped) / 2, { kind: 'cancel-at-pool', copy: dropped });
}

function tiedCall(sim: SimulationContext, context: DecisionContext, copy: Copy): TiedCall {
  const unloadedMs = sim.policy.unloadedOn?.(context, copy.pool, copy) ?? 0;
  return {
    remainingMs: copy.remainingOnAckMs < 0 ? null : copy.remainingOnAckMs,
    soonestMs: unloadedMs - (sim.now - copy.sentAt),
  };
}
