import type { SlotWait } from '../../../shared/slot-wait.ts';
import type { HedgePolicy, PoolView, RoutingPolicy } from '../../../worker/routing/index.ts';
import type { DispatcherState } from '../dispatcher-state.ts';
import type { PoolSim } from '../pool-sim.ts';
import type { PolicyName } from '../scenario-schema.ts';
import type { Copy, Job } from '../sim-types.ts';

/** What one decision sees. Baselines read only `views` and `dispatcher`; the oracle reads `pools`. */
export interface DecisionContext {
  readonly now: number;
  /** The request being routed (its size is what the edge resolves from the request). */
  readonly job: Job;
  readonly dispatcher: DispatcherState;
  /** The isolate's snapshot (live registry when T = 0), one view per pool, in pool order. */
  readonly views: readonly PoolView[];
  /** The true pools: only the oracle may look. */
  readonly pools: readonly PoolSim[];
  readonly random: () => number;
  /** A pool to leave out (the one a hedge is leaving), or -1. */
  readonly exclude: number;
  readonly routing: RoutingPolicy;
  readonly poolIndex: ReadonlyMap<string, number>;
}

/** Where to send: pool indexes, first choice first; `predictedMs` of the first (for hedging). */
export interface Decision {
  readonly pools: readonly number[];
  readonly predictedMs: number;
  /** A first send also goes to this pool at once, a tied pair (`tiesRequest`; edge policies). */
  readonly tie?: { readonly pool: number; readonly predictedMs: number };
}

/**
 * What the pool's acknowledgement of a copy says: the images ahead of it in the queue, or the
 * megapixels of the batch it went straight into (gpu-node's `queued` event, position 0).
 */
export type AckFacts = (
  | {
      readonly images: number;
      /** The pool's wait till a slot (`start_in_ms`) and its running batch, where it timed a step. */
      readonly wait?: SlotWait;
    }
  | { readonly batchMegapixels: number }
) & {
  /** The answer's trip back to the isolate, ms. */
  readonly returnTripMs: number;
};

/** A routing policy under test. */
export interface SimPolicy {
  readonly name: PolicyName;
  /** One dispatcher with exact, current state that learns of faults at once. */
  readonly central: boolean;
  /** Hedges late or stuck requests, detects stalls from missing progress, shares suspicion. */
  readonly edgeFeatures: boolean;
  decide(context: DecisionContext): Decision;
  /** Edge policies: the latency objective it routes every request with, ms from arrival (none if absent). */
  readonly objectiveMs?: number;
  /** Edge policies: when to hedge (`defaultHedgePolicy` if absent). */
  readonly hedgePolicy?: HedgePolicy;
  /** Edge policies: a running request is also hedged on its own pace (`paceHedge`; not before issue 13). */
  readonly paceHedges?: boolean;
  /** Edge policies: expected ms until an acknowledged copy finishes (for the re-route); undefined: it stays. */
  remainingOnAck?(context: DecisionContext, copy: Copy, ahead: AckFacts): number | undefined;
  /** Edge policies: what the copy's job would take on `pool` with nothing ahead, ms (`unloadedCompletionMs`). */
  unloadedOn?(context: DecisionContext, pool: number, copy: Copy): number | undefined;
}

/** Pools every baseline may use: reported within the TTL, not ejected by this isolate. */
export function basicEligible(context: DecisionContext): number[] {
  const eligible: number[] = [];
  const { views, now, dispatcher, routing } = context;
  for (let pool = 0; pool < views.length; pool++) {
    const view = views[pool];
    if (!view || view.reportedAt === null || pool === context.exclude) continue;
    if (now - view.reportedAt > routing.telemetryTtlMs) continue;
    if ((dispatcher.ejectedUntil.get(view.poolId) ?? 0) > now) continue;
    eligible.push(pool);
  }
  return eligible;
}

/** The pick, then two other eligible pools at random as the failover order. */
export function withFailover(chosen: number, eligible: readonly number[], random: () => number): Decision {
  const others = eligible.filter((pool) => pool !== chosen);
  const failover: number[] = [];
  while (failover.length < 2 && others.length > 0) {
    const [pool] = others.splice(Math.floor(random() * others.length), 1);
    if (pool !== undefined) failover.push(pool);
  }
  return { pools: [chosen, ...failover], predictedMs: 0 };
}

/** Index of the smallest score; ties broken uniformly at random. */
export function argminRandomTies(
  candidates: readonly number[],
  scoreOf: (pool: number) => number,
  random: () => number,
): number {
  let best = -1;
  let bestScore = Number.POSITIVE_INFINITY;
  let ties = 0;
  for (const pool of candidates) {
    const score = scoreOf(pool);
    if (score < bestScore) {
      best = pool;
      bestScore = score;
      ties = 1;
    } else if (score === bestScore && random() * ++ties < 1) {
      best = pool;
    }
  }
  return best;
}

/** No pool can take it. */
export const noDecision: Decision = { pools: [], predictedMs: 0 };
