import { waitForPoolReports } from '../../scripts/local-stack/pool-reports.ts';
import { capacityTimeline } from './capacity-timeline.ts';
import { type ChaosObservations, type ChaosReport, chaosReport } from './chaos-report.ts';
import { CHAOS_POOL_IDS, type ChaosStack, startChaosStack } from './chaos-stack.ts';
import { callEdge, type EdgeCall } from './edge-calls.ts';
import {
  FULL_SCHEDULE,
  FULL_TAIL_MS,
  QUICK_SCHEDULE,
  QUICK_TAIL_MS,
  runFaults,
  undoFaults,
} from './faults.ts';
import { JobTracker, jobOf, type TrackedJob } from './job-tracker.ts';
import { jsonHeaders, startLoad } from './load.ts';
import { poolRecords } from './pool-records.ts';
import { rawRecord } from './raw-record.ts';
import { sampleRegistry } from './registry-sampler.ts';

/** How a chaos run is set up. */
export interface ChaosRunOptions {
  /** SIGKILL one pool under a short load instead of the whole sequence. */
  readonly quick: boolean;
  readonly syncPerSecond: number;
  readonly asyncPerSecond: number;
  readonly heartbeatIntervalMs: number;
  readonly telemetryTtlMs: number;
  /** How long accepted jobs may take to end after the load stopped. */
  readonly drainLimitMs: number;
}

/** A run's report, and its raw record (`--raw`). */
export interface ChaosRun {
  readonly report: ChaosReport & { readonly pool_records: Awaited<ReturnType<typeof poolRecords>> };
  readonly raw: ReturnType<typeof rawRecord>;
}

/** Untimed sync requests before the load, so every pool has loaded its model and been seen. */
const WARM_UP_REQUESTS = 6;
/** Client-side bound on a warm-up or replay call. */
const CALL_TIMEOUT_MS = 30_000;

/**
 * Starts the three-pool stack, runs the steady load while the faults happen, waits for every
 * accepted job to end, checks each again (re-read, and re-submitted with its key) and reports.
 * Every process it started is stopped before it returns or throws.
 */
export async function runChaos(
  options: ChaosRunOptions,
  log: (line: string) => void,
  started: (chaos: ChaosStack) => void = () => undefined,
): Promise<ChaosRun> {
  log('starting the edge and three gpu-node pools');
  const chaos = await startChaosStack(options);
  started(chaos);
  try {
    const { stack } = chaos;
    await waitForPoolReports(stack);
    await warmUp(stack.edgeUrl, stack.apiKey);
    const calls: EdgeCall[] = [];
    const record = (call: EdgeCall) => calls.push(call);
    const tracker = new JobTracker({ edgeUrl: stack.edgeUrl, apiKey: stack.apiKey, record });
    log(`steady load: ${options.syncPerSecond} sync/s, ${options.asyncPerSecond} jobs/s`);
    const load = startLoad({ ...options, edgeUrl: stack.edgeUrl, apiKey: stack.apiKey, record, tracker });
    const registry = sampleRegistry(stack);
    const loadStartedAt = Date.now();
    const { events: faults } = await runFaults(
      chaos,
      options.quick ? QUICK_SCHEDULE : FULL_SCHEDULE,
      loadStartedAt,
      log,
    );
    await new Promise((resolve) => setTimeout(resolve, options.quick ? QUICK_TAIL_MS : FULL_TAIL_MS));
    await load.stop();
    const loadEndedAt = Date.now();
    const registrySamples = await registry.stop();
    log(`load stopped; waiting for ${tracker.jobs.length} accepted jobs to end`);
    await tracker.drain(options.drainLimitMs);
    for (const job of tracker.jobs) await tracker.reread(job);
    const replayMismatches = await replayAll(stack.edgeUrl, stack.apiKey, tracker.jobs, record);
    const pools = await poolRecords(stack, stack.edgePrivateKey, tracker.jobs);
    const observed: ChaosObservations = {
      mode: options.quick ? 'quick' : 'full',
      loadStartedAt,
      loadEndedAt,
      calls,
      jobs: tracker.jobs,
      faults,
      timeline: capacityTimeline(CHAOS_POOL_IDS, faults, Date.now()),
      poolRequests: new Map([...chaos.pools].map(([id, pool]) => [id, pool.front().requests])),
      brokenRequests: new Map([...chaos.pools].map(([id, pool]) => [id, pool.front().broken])),
      replayMismatches,
    };
    return {
      report: { ...chaosReport(observed), pool_records: pools },
      raw: rawRecord(observed, registrySamples),
    };
  } finally {
    undoFaults(chaos);
    await chaos.stop();
  }
}

async function warmUp(edgeUrl: string, apiKey: string): Promise<void> {
  for (let index = 0; index < WARM_UP_REQUESTS; index += 1) {
    await callEdge(
      `${edgeUrl}/v1/images/generations`,
      {
        method: 'POST',
        headers: jsonHeaders(apiKey),
        body: JSON.stringify({ prompt: 'warm up', size: '64x64', steps: 2 }),
      },
      CALL_TIMEOUT_MS,
    );
  }
}

/**
 * Submits every succeeded job again with its own `Idempotency-Key` and body: the edge must name the
 * same job, still succeeded, never start another. Returns the ids it answered otherwise for.
 */
async function replayAll(
  edgeUrl: string,
  apiKey: string,
  jobs: readonly TrackedJob[],
  record: (call: EdgeCall) => void,
): Promise<string[]> {
  const mismatches: string[] = [];
  for (const job of jobs.filter((candidate) => candidate.terminal?.status === 'succeeded')) {
    const sentAt = Date.now();
    const answer = await callEdge(
      `${edgeUrl}/v1/jobs`,
      {
        method: 'POST',
        headers: { ...jsonHeaders(apiKey), 'idempotency-key': job.idempotencyKey },
        body: JSON.stringify(job.body),
      },
      CALL_TIMEOUT_MS,
    );
    record({ what: 'replay', sentAt, endedAt: Date.now(), answer });
    const replayed = jobOf(answer);
    if (replayed?.id !== job.id || replayed.status !== 'succeeded') mismatches.push(job.id);
  }
  return mismatches;
}
