import { type TiedCall, tiedLoser } from '../routing/index.ts';
import type { DispatchOptions } from './dispatch-types.ts';
import type { PoolCall } from './pool-call.ts';

/**
 * The call of a tied pair to cancel now (routing's `tiedLoser`: priced by `ack.remainingMs` once
 * its pool has said where the request landed, bounded by `ack.unloadedMs` before that); null to
 * wait for more word from the pools.
 */
export function tiedPairLoser(options: DispatchOptions, pair: ReadonlySet<PoolCall>): PoolCall | null {
  const [first, second] = pair;
  if (!first || !second || !options.ack?.remainingMs) return null;
  const loser = tiedLoser(tiedCall(options, first), tiedCall(options, second));
  return loser === null ? null : loser === 'first' ? first : second;
}

function tiedCall(options: DispatchOptions, call: PoolCall): TiedCall {
  const acknowledged = call.ack?.latest();
  const remainingMs =
    acknowledged && options.ack?.remainingMs ? options.ack.remainingMs(call.candidate, acknowledged) : null;
  const unloadedMs = options.ack?.unloadedMs?.(call.candidate) ?? 0;
  return { remainingMs, soonestMs: unloadedMs - (options.now() - call.started) };
}

/** Resolves at the next event of either call of a tied pair. */
export function untilTieSettles(pair: ReadonlySet<PoolCall>): Promise<void> | null {
  const events = [...pair].flatMap((call) => (call.ack ? [call.ack.anyEvent()] : []));
  return events.length === 0 ? null : Promise.race(events);
}
