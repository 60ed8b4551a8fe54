import { exponential, seededRandom } from '../routing/rng.ts';
import { type CallRecord, type CallTerms, sendGeneration } from './generation-call.ts';
import type { OverloadTenant } from './overload-stack.ts';

/** One tenant's share of the offered load. */
export interface TenantLoad {
  readonly tenant: OverloadTenant;
  /** Mean requests per second. */
  readonly perSecond: number;
  /**
   * Requests per arrival: 1 is a Poisson stream; more is a compound Poisson stream with the same
   * mean (bursts of this many at once, `perSecond / burst` times a second).
   */
  readonly burst: number;
}

/** The open-loop load's terms. */
export interface OpenLoopSettings {
  readonly loads: readonly TenantLoad[];
  readonly durationMs: number;
  readonly seed: number;
  /** Each call's terms but the tenant. */
  readonly call: Omit<CallTerms, 'tenant'>;
}

/**
 * Offers the load as an open loop: each tenant's arrivals are drawn in advance (exponential gaps,
 * seeded, so two runs offer the same schedule) and sent at their times whatever the edge answers,
 * as independent clients would. Resolves with every call's record once each has its answer or its
 * client timeout.
 */
export async function runOpenLoop(settings: OpenLoopSettings): Promise<CallRecord[]> {
  const start = Date.now();
  const schedule = settings.loads.flatMap((load, index) =>
    arrivals(load, settings.durationMs, settings.seed, index).map((at) => ({ at, tenant: load.tenant })),
  );
  schedule.sort((left, right) => left.at - right.at);
  const calls: Promise<CallRecord>[] = [];
  for (const { at, tenant } of schedule) {
    const wait = start + at - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    calls.push(sendGeneration({ ...settings.call, tenant }));
  }
  return Promise.all(calls);
}

/** Offsets (ms from the start) of one tenant's requests over the run. */
function arrivals(load: TenantLoad, durationMs: number, seed: number, stream: number): number[] {
  const random = seededRandom(seed, stream);
  const meanGapMs = (1000 * load.burst) / load.perSecond;
  const times: number[] = [];
  for (let at = exponential(random, meanGapMs); at < durationMs; at += exponential(random, meanGapMs)) {
    for (let copy = 0; copy < load.burst; copy += 1) times.push(at);
  }
  return times;
}
