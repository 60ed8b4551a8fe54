import { errorEnvelopeSchema } from '../../shared/index.ts';
import { type CapacityTimeline, hadCapacity, overlapsEdgeRestart } from './capacity-timeline.ts';
import type { EdgeCall } from './edge-calls.ts';
import type { FaultEvent, FaultName } from './faults.ts';
import type { RelayedRequest } from './http-relay.ts';
import type { TrackedJob } from './job-tracker.ts';

/** The targets for the headline. */
export const CHAOS_TARGETS = {
  lost_jobs: 0,
  sync_success_while_capacity: 0.995,
  sent_to_dead_pool_after_s: 1.5,
  untyped_errors: 0,
} as const;

/** What a chaos run observed, for {@link chaosReport}. */
export interface ChaosObservations {
  readonly mode: 'full' | 'quick';
  readonly loadStartedAt: number;
  readonly loadEndedAt: number;
  readonly calls: readonly EdgeCall[];
  readonly jobs: readonly TrackedJob[];
  readonly faults: readonly FaultEvent[];
  readonly timeline: CapacityTimeline;
  /** Requests each pool's registered URL received (its relay's record), by pool id. */
  readonly poolRequests: ReadonlyMap<string, readonly RelayedRequest[]>;
  /** Of those, the ones the pool broke off or never took (its relay hung up on the edge). */
  readonly brokenRequests: ReadonlyMap<string, readonly RelayedRequest[]>;
  /** Jobs whose re-submission with the same key named another job or showed another state. */
  readonly replayMismatches: readonly string[];
}

/** A faulted pool's traffic is also counted over this window before the fault, to show it had some. */
const BEFORE_FAULT_MS = 5_000;

/** Seconds, to the millisecond. */
const seconds = (ms: number) => Math.round(ms) / 1_000;

/** The JSON report: `headline` first, then how each figure was counted. */
export function chaosReport(observed: ChaosObservations) {
  const { calls, jobs, timeline } = observed;
  const cutByRestart = (call: EdgeCall) =>
    call.answer.kind === 'transport' && overlapsEdgeRestart(timeline, call.sentAt, call.endedAt);
  const syncCalls = calls.filter((call) => call.what === 'sync');
  const counted = syncCalls.filter((call) => hadCapacity(timeline, call.sentAt) && !cutByRestart(call));
  const succeeded = (call: EdgeCall) => call.answer.kind === 'answer' && call.answer.status === 200;
  const untyped = calls.flatMap((call) => {
    if (call.answer.kind === 'answer')
      return call.answer.untyped ? [`${call.what}: ${call.answer.untyped}`] : [];
    return cutByRestart(call) ? [] : [`${call.what}: no answer (${call.answer.message})`];
  });
  const jobsBy = (status: string) => jobs.filter((job) => job.terminal?.status === status).length;
  const lost = jobs.filter((job) => job.terminal?.status !== 'succeeded');
  const duplicated = jobs.filter((job) => job.reopened || job.resultSets.size > 1);
  const dead = faultedPoolDispatches(observed, 'kill-pool', 'restart-pool');
  const stopped = faultedPoolDispatches(observed, 'stop-pool', 'continue-pool');
  const headline = {
    lost_jobs: lost.length,
    sync_success_while_capacity: counted.length
      ? round(counted.filter(succeeded).length / counted.length)
      : null,
    sent_to_dead_pool_after_s: dead.lastAfterS,
    untyped_errors: untyped.length,
  };
  return {
    headline,
    targets: CHAOS_TARGETS,
    met: {
      lost_jobs: headline.lost_jobs <= CHAOS_TARGETS.lost_jobs,
      sync_success_while_capacity:
        (headline.sync_success_while_capacity ?? 0) >= CHAOS_TARGETS.sync_success_while_capacity,
      sent_to_dead_pool_after_s:
        headline.sent_to_dead_pool_after_s <= CHAOS_TARGETS.sent_to_dead_pool_after_s,
      untyped_errors: headline.untyped_errors <= CHAOS_TARGETS.untyped_errors,
    },
    mode: observed.mode,
    load_s: seconds(observed.loadEndedAt - observed.loadStartedAt),
    faults: observed.faults.map((fault) => ({
      fault: fault.name,
      pool_id: fault.poolId,
      at_s: seconds(fault.at - observed.loadStartedAt),
      took_s: seconds(fault.endedAt - fault.at),
    })),
    jobs: {
      accepted: jobs.length,
      succeeded: jobsBy('succeeded'),
      failed: jobsBy('failed'),
      canceled: jobsBy('canceled'),
      unfinished: jobs.filter((job) => !job.terminal).length,
      duplicated: duplicated.length,
      replay_mismatches: observed.replayMismatches.length,
      lost_ids: lost.map((job) => job.id),
      attempts_max: Math.max(0, ...jobs.map((job) => job.terminal?.attempts ?? 0)),
      ran_on: countBy(jobs.map((job) => job.terminal?.pool_id ?? 'none')),
      end_latency_s: percentiles(
        jobs.flatMap((job) => (job.terminalAt ? [job.terminalAt - job.acceptedAt] : [])),
      ),
    },
    sync: {
      sent: syncCalls.length,
      counted_while_capacity: counted.length,
      succeeded_while_capacity: counted.filter(succeeded).length,
      failed_while_capacity: countBy(counted.filter((call) => !succeeded(call)).map(describe)),
      sent_without_capacity: syncCalls.filter((call) => !hadCapacity(timeline, call.sentAt)).length,
      cut_by_edge_restart: syncCalls.filter(cutByRestart).length,
      served_by: countBy(
        syncCalls.flatMap((call) =>
          call.answer.kind === 'answer' && call.answer.status === 200
            ? [call.answer.headers.get('x-spillway-pool') ?? 'unknown']
            : [],
        ),
      ),
      latency_s: percentiles(syncCalls.filter(succeeded).map((call) => call.endedAt - call.sentAt)),
    },
    dead_pool: {
      pool_id: dead.poolId,
      dispatches_in_window_before_kill: dead.before,
      dispatches_after_kill: dead.count,
      window_s: dead.windowS,
    },
    stopped_pool: {
      pool_id: stopped.poolId,
      dispatches_in_window_before_stop: stopped.before,
      dispatches_while_stopped: stopped.count,
      sent_to_stopped_pool_after_s: stopped.lastAfterS,
      window_s: stopped.windowS,
    },
    phases: phasesOf(observed),
    broken_pool_calls: Object.fromEntries(
      [...observed.brokenRequests].map(([poolId, broken]) => [
        poolId,
        broken.map((request) => `${request.method} at ${seconds(request.at - observed.loadStartedAt)} s`),
      ]),
    ),
    untyped: untyped.slice(0, 20),
    calls_by_kind: countBy(calls.map((call) => call.what)),
  };
}

/** A chaos report. */
export type ChaosReport = ReturnType<typeof chaosReport>;

/**
 * Dispatches (`POST /v1/generate`) the pool a fault took received after the fault and before it
 * was undone (a restart, SIGCONT; else the load's end), and the last one's delay after the fault
 * (0 when there was none); also those of the window before, to show the pool had traffic.
 */
function faultedPoolDispatches(observed: ChaosObservations, faultName: FaultName, undoneBy: FaultName) {
  const fault = observed.faults.find((candidate) => candidate.name === faultName);
  const requests = fault?.poolId ? observed.poolRequests.get(fault.poolId) : undefined;
  if (!fault || !requests) return { poolId: null, count: 0, before: 0, lastAfterS: 0, windowS: 0 };
  const undone = observed.faults.find((candidate) => candidate.name === undoneBy && candidate.at > fault.at);
  const until = undone?.at ?? observed.loadEndedAt;
  const dispatches = requests.filter(
    (request) => request.method === 'POST' && request.path.startsWith('/v1/generate'),
  );
  const after = dispatches.filter((request) => request.at >= fault.at && request.at < until);
  const before = dispatches.filter(
    (request) => request.at < fault.at && request.at >= fault.at - BEFORE_FAULT_MS,
  );
  const last = Math.max(fault.at, ...after.map((request) => request.at));
  return {
    poolId: fault.poolId,
    count: after.length,
    before: before.length,
    lastAfterS: seconds(last - fault.at),
    windowS: seconds(until - fault.at),
  };
}

/**
 * The load cut at each fault: per phase, the sync requests sent, how they ended and which pools
 * served them, and the pools that ran the jobs accepted then, so a pool's share shows around each fault.
 */
function phasesOf(observed: ChaosObservations) {
  const bounds = [observed.loadStartedAt, ...observed.faults.map((fault) => fault.at), observed.loadEndedAt];
  const names = ['before faults', ...observed.faults.map((fault) => `after ${fault.name}`)];
  return names.map((name, index) => {
    const from = bounds[index] ?? 0;
    const to = bounds[index + 1] ?? Number.POSITIVE_INFINITY;
    const inPhase = (at: number) => at >= from && at < to;
    const sync = observed.calls.filter((call) => call.what === 'sync' && inPhase(call.sentAt));
    return {
      phase: name,
      from_s: seconds(from - observed.loadStartedAt),
      sync_outcomes: countBy(sync.map(describe)),
      sync_served_by: countBy(
        sync.flatMap((call) =>
          call.answer.kind === 'answer' ? [call.answer.headers.get('x-spillway-pool') ?? 'none'] : [],
        ),
      ),
      jobs_ran_on: countBy(
        observed.jobs.filter((job) => inPhase(job.acceptedAt)).map((job) => job.terminal?.pool_id ?? 'none'),
      ),
    };
  });
}

function describe(call: EdgeCall): string {
  if (call.answer.kind === 'transport') return 'no answer';
  if (call.answer.status === 200) return '200';
  const envelope = errorEnvelopeSchema.safeParse(call.answer.body);
  return `${call.answer.status} ${envelope.success ? envelope.data.error.code : 'untyped'}`;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function percentiles(valuesMs: readonly number[]) {
  const sorted = [...valuesMs].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length ? seconds(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) : null;
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}

function round(ratio: number): number {
  return Math.round(ratio * 10_000) / 10_000;
}
