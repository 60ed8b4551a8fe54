import type { Tier } from '../../shared/index.ts';
import { round, summarize } from '../gpu-node/percentiles.ts';
import type { CallRecord } from './generation-call.ts';
import { latencySplit } from './latency-split.ts';
import {
  jainIndex,
  perTenant,
  type RefusalKind,
  refusalKinds,
  refusedWithRetryAfter,
} from './outcome-counts.ts';
import type { OverloadRun } from './overload-run.ts';

/** The targets for the headline (`max_rss_mib` is reported, not bounded by a figure). */
export const OVERLOAD_TARGETS = {
  paid_p99_over_unloaded: 1.5,
  goodput_ratio: 0.9,
  free_refused_with_retry_after_share: 1,
  hung_requests: 0,
  fairness_jain_index: 0.9,
} as const;

/** The bench's JSON report. */
export interface OverloadReport {
  readonly headline: {
    /** p99 of paid requests served under the overload over p99 of the same request unloaded. */
    readonly paid_p99_over_unloaded: number | null;
    /** Images completed by requests offered during the overload, over capacity x duration. */
    readonly goodput_ratio: number;
    /** Refused free requests answered 429/503 with a whole-second `Retry-After`, over all refused. */
    readonly free_refused_with_retry_after_share: number | null;
    /** Calls with no answer by their deadline plus the margin. */
    readonly hung_requests: number;
    /** Each process's peak resident set (`VmHWM`), MiB. */
    readonly max_rss_mib: Record<string, number | null>;
    /** The lower of the paid and the free tier's Jain index over completed images per tenant. */
    readonly fairness_jain_index: number | null;
  };
  readonly targets: typeof OVERLOAD_TARGETS;
  readonly met: Record<keyof typeof OVERLOAD_TARGETS, boolean>;
  readonly [detail: string]: unknown;
}

/** Summarises one run into the report the bench prints. */
export function overloadReport(run: OverloadRun): OverloadReport {
  const { options, unloaded, capacity, records } = run;
  const paid = records.filter((record) => record.tier === 'paid');
  const free = records.filter((record) => record.tier === 'free');
  const paidLatency = summarize(served(paid).map(latencyOf));
  const unloadedP99 = unloaded.latency.p99_ms;
  const images = records.reduce((sum, record) => sum + record.images, 0);
  const freeRefused = free.filter((record) => record.outcome !== 200);
  const tenants = perTenant(records);
  const jain = (tier: Tier) =>
    jainIndex(
      Object.values(tenants)
        .filter((tenant) => tenant.tier === tier)
        .map((tenant) => tenant.images),
    );
  const fairness = { paid: jain('paid'), free: jain('free') };
  // The same index over each tenant's served share (images / requests sent): Poisson draws give
  // tenants of equal mean load unequal counts, which the headline's index counts as unfairness.
  const shareJain = (tier: Tier) =>
    jainIndex(
      Object.values(tenants)
        .filter((tenant) => tenant.tier === tier && tenant.sent > 0)
        .map((tenant) => tenant.images / tenant.sent),
    );
  const defined = [fairness.paid, fairness.free].filter((value): value is number => value !== null);
  const headline = {
    paid_p99_over_unloaded:
      paidLatency.p99_ms !== null && unloadedP99 ? round(paidLatency.p99_ms / unloadedP99, 3) : null,
    goodput_ratio: round(images / (capacity.best.images_per_s * options.durationS), 3) ?? 0,
    free_refused_with_retry_after_share:
      freeRefused.length === 0
        ? null
        : round(freeRefused.filter(refusedWithRetryAfter).length / freeRefused.length, 4),
    hung_requests: records.filter((record) => record.outcome === 'hung').length,
    max_rss_mib: Object.fromEntries(
      Object.entries(run.memory).map(([name, memory]) => [name, memory.peak_mib]),
    ),
    fairness_jain_index: defined.length === 0 ? null : round(Math.min(...defined), 4),
  };
  const refusals = refusalKinds(records);
  return {
    headline,
    targets: OVERLOAD_TARGETS,
    met: {
      paid_p99_over_unloaded: atMost(
        headline.paid_p99_over_unloaded,
        OVERLOAD_TARGETS.paid_p99_over_unloaded,
      ),
      goodput_ratio: headline.goodput_ratio >= OVERLOAD_TARGETS.goodput_ratio,
      free_refused_with_retry_after_share:
        (headline.free_refused_with_retry_after_share ?? 1) >=
        OVERLOAD_TARGETS.free_refused_with_retry_after_share,
      hung_requests: headline.hung_requests <= OVERLOAD_TARGETS.hung_requests,
      fairness_jain_index: (headline.fairness_jain_index ?? 0) >= OVERLOAD_TARGETS.fairness_jain_index,
    },
    settings: settingsOf(run),
    unloaded: { ...unloaded.latency, failed: unloaded.failed },
    capacity,
    // The request's latency while the fleet runs at each closed-loop level, over its unloaded
    // latency: how far the goodput target's operating point already is from the paid one.
    capacity_latency_over_unloaded: capacity.levels.map((level) => ({
      concurrency: level.concurrency,
      images_per_s: round(level.images_per_s, 2),
      p50: ratio(level.latency.p50_ms, unloaded.latency.p50_ms),
      p99: ratio(level.latency.p99_ms, unloadedP99),
    })),
    offered: {
      per_second: round(
        run.loads.reduce((sum, load) => sum + load.perSecond, 0),
        3,
      ),
      sent: records.length,
      sent_per_second: round(records.length / options.durationS, 3),
      tenants: run.loads.map((load) => ({
        tenant: load.tenant.id,
        tier: load.tenant.tier,
        per_second: round(load.perSecond, 3),
        burst: load.burst,
      })),
    },
    tiers: { paid: tierSummary(paid), free: tierSummary(free) },
    paid_latency_ms: paidLatency,
    // Where paid time went, beside the idle fleet's: the pool's part, the edge's around it, the client's.
    paid_latency_split: { overload: latencySplit(served(paid)), unloaded: unloaded.split },
    paid_p50_over_unloaded_p50:
      paidLatency.p50_ms !== null && unloaded.latency.p50_ms
        ? round(paidLatency.p50_ms / unloaded.latency.p50_ms, 3)
        : null,
    free_latency_ms: summarize(served(free).map(latencyOf)),
    fairness: {
      ...fairness,
      served_share: { paid: shareJain('paid'), free: shareJain('free') },
      per_tenant: tenants,
    },
    refusals,
    envelopes: envelopeCheck(records, refusals),
    memory: run.memory,
    pools: run.pools,
    host_busy_share: round(run.hostBusyShare, 3),
    pool_compute: run.poolCompute,
    pool_attempts: run.attempts,
  };
}

function settingsOf(run: OverloadRun) {
  const { options } = run;
  return {
    duration_s: options.durationS,
    load_factor: options.loadFactor,
    request: { size: options.size, steps: options.steps, n: 1, deadline_ms: options.deadlineMs },
    client_timeout_ms: options.deadlineMs + options.hangMarginMs,
    edge_vars: { TIER_SLOWDOWN_LIMITS: options.slowdownLimits, TIER_LIMITS: options.tierLimits },
    heartbeat_interval_ms: options.heartbeatIntervalMs,
    telemetry_ttl_ms: options.telemetryTtlMs,
    capacity_concurrency: options.capacityConcurrency,
    unloaded_gap_ms: options.unloadedGapMs,
    seed: options.seed,
    device: options.device === 'paced' ? { kind: 'paced', step_ms: options.pacedStepMs } : { kind: 'cpu' },
  };
}

function tierSummary(records: readonly CallRecord[]) {
  const count = (outcome: CallRecord['outcome']) =>
    records.filter((record) => record.outcome === outcome).length;
  return {
    sent: records.length,
    ok: count(200),
    rate_limited_429: count(429),
    shed_503: count(503),
    other: records.length - count(200) - count(429) - count(503),
    images: records.reduce((sum, record) => sum + record.images, 0),
  };
}

/** Every failure's body must be the envelope; every 429 must carry the RateLimit headers. */
function envelopeCheck(records: readonly CallRecord[], refusals: readonly RefusalKind[]) {
  const failures = records.filter((record) => typeof record.outcome === 'number' && record.outcome !== 200);
  const limited = refusals.filter((kind) => kind.status === 429);
  return {
    failures: failures.length,
    not_envelope: failures.filter((record) => record.badEnvelope).length,
    rate_limited_without_ratelimit_headers: limited.reduce(
      (sum, kind) => sum + kind.count - kind.with_ratelimit_headers,
      0,
    ),
  };
}

function served(records: readonly CallRecord[]): CallRecord[] {
  return records.filter((record) => record.outcome === 200);
}

function latencyOf(record: CallRecord): number {
  return record.endedAt - record.sentAt;
}

function atMost(value: number | null, target: number): boolean {
  return value !== null && value <= target;
}

function ratio(value: number | null, over: number | null): number | null {
  return value !== null && over ? round(value / over, 3) : null;
}
