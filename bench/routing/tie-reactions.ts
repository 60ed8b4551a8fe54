import { type TiedCall, tiedLoser } from '../../worker/routing/index.ts';
import type { DispatcherState } from './dispatcher-state.ts';
import type { SimulationContext } from './sim-context.ts';
import type { Copy, SimEvent } from './sim-types.ts';

/**
 * One pool of a tied pair acknowledged its copy (worker/dispatch `tiedPairLoser`): its remaining
 * time is priced as the acknowledgement re-route prices it, and routing's `tiedLoser` says whether
 * either copy can be cancelled yet. Until one is, the first answer wins.
 */
export function settleTie(sim: SimulationContext, event: Extract<SimEvent, { kind: 'ack' }>): void {
  const { copy, ahead, waiting, batchMegapixels } = event;
  const { job } = copy;
  const returnTripMs = sim.rttOf(copy) / 2;
  copy.remainingOnAckMs =
    sim.policy.remainingOnAck?.(
      sim.context(job, -1),
      copy,
      waiting ? { images: ahead, returnTripMs } : { batchMegapixels, returnTripMs },
    ) ?? copy.predictedMs;
  const [first, second] = job.copies;
  if (!first || !second) return;
  const loser = tiedLoser(tiedCall(sim, first), tiedCall(sim, second));
  if (loser === null) return;
  job.tied = false;
  const dropped = loser === 'first' ? first : second;
  if (!sim.isLive(dropped)) return;
  (sim.dispatchers[job.dispatcher] as DispatcherState).end(dropped, sim.poolIds[dropped.pool] ?? '');
  sim.at(sim.now + sim.rttOf(dropped) / 2, { kind: 'cancel-at-pool', copy: dropped });
}

function tiedCall(sim: SimulationContext, copy: Copy): TiedCall {
  const unloadedMs = sim.policy.unloadedOn?.(sim.context(copy.job, -1), copy.pool, copy) ?? 0;
  return {
    remainingMs: copy.remainingOnAckMs < 0 ? null : copy.remainingOnAckMs,
    soonestMs: unloadedMs - (sim.now - copy.sentAt),
  };
}
