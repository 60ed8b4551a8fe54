import { type HealthProbe, startHealthProbe } from './health-probe.ts';
import { foreignCores } from './host-cpu.ts';
import type { GenerateBody, GenerateTiming, GpuNodeClient } from './http-client.ts';
import { runClosedLoop } from './load-loop.ts';
import {
  imagesBetween,
  type LoadMark,
  type LoadSlice,
  loadSlices,
  marksBetween,
  serverCpuSeconds,
} from './load-slices.ts';
import { type LatencySummary, round, summarize } from './percentiles.ts';
import { type ServerActivity, serverActivity } from './server-counters.ts';

/** How the saturation phase runs. */
export interface SaturationOptions {
  readonly origin: string;
  readonly serverPid: number | undefined;
  readonly clients: number;
  readonly rampMs: number;
  /** Clients start spread over this long (within the ramp), so batches finish out of step. */
  readonly staggerMs: number;
  readonly durationMs: number;
  readonly probeIntervalMs: number;
  /** Throughput and host CPU are also reported per slice of this length. */
  readonly sliceMs: number;
  readonly body: (sequence: number) => GenerateBody;
}

/** Saturation throughput, latency under load and liveness latency under load. */
export interface SaturationReport {
  readonly clients: number;
  readonly window_ms: number;
  readonly images: number;
  readonly images_per_s: number | null;
  readonly failures: number;
  readonly first_error: string | null;
  readonly latency: LatencySummary;
  readonly server_compute: LatencySummary;
  readonly server_queue: LatencySummary;
  readonly server: ServerActivity;
  /** Cores' worth of CPU the benchmark process itself (load generator and probe) used. */
  readonly client_cpu_cores: number | null;
  /** CPU other processes on the host used meanwhile; above ~0.1 the number is contaminated. */
  readonly foreign_cpu_cores: number | null;
  readonly slices: readonly LoadSlice[];
  readonly health: LatencySummary & { readonly interval_ms: number; readonly failures: number };
}

/**
 * Drives `clients` closed-loop clients for ramp + duration. Only the window after the ramp
 * counts: images whose response completed inside it, and health probes sent inside it.
 */
export async function runSaturation(
  client: GpuNodeClient,
  ops: GpuNodeClient,
  options: SaturationOptions,
): Promise<SaturationReport> {
  const probe = await startHealthProbe({
    origin: options.origin,
    path: '/v2/health/live',
    intervalMs: options.probeIntervalMs,
  });
  const windowStart = performance.now() + options.rampMs;
  const windowEnd = windowStart + options.durationMs;
  const load = runClosedLoop(client, {
    clients: options.clients,
    stopAt: windowEnd,
    jobsPerClient: Number.POSITIVE_INFINITY,
    staggerMs: Math.min(options.staggerMs, options.rampMs),
    body: options.body,
  });
  let marks: LoadMark[];
  let health: Awaited<ReturnType<HealthProbe['stop']>>;
  try {
    await sleepUntil(windowStart);
    probe.record();
    marks = await marksBetween(ops, options.serverPid, windowStart, windowEnd, options.sliceMs);
  } finally {
    // The probe thread keeps the process alive until stopped, so it stops on every path.
    health = await probe.stop();
  }
  const run = await load;

  const first = marks[0];
  const last = marks.at(-1);
  if (!first || !last) throw new Error('no load marks taken');
  const windowMs = last.cpu.at - first.cpu.at;
  const inWindow = run.timings.filter(
    (timing) => timing.endedAt >= first.cpu.at && timing.endedAt < last.cpu.at,
  );
  const images = imagesBetween(inWindow, first.cpu.at, last.cpu.at);
  return {
    clients: options.clients,
    window_ms: round(windowMs, 1) ?? 0,
    images,
    images_per_s: round((images * 1000) / windowMs, 3),
    failures: run.failures,
    first_error: run.firstError,
    latency: summarize(inWindow.map((timing) => timing.latencyMs)),
    server_compute: summarize(inWindow.map((timing) => timing.computeMs)),
    server_queue: summarize(inWindow.map((timing) => timing.queueMs)),
    server: serverActivity(first.counters, last.counters),
    client_cpu_cores: round((last.cpu.ownSeconds - first.cpu.ownSeconds) / (windowMs / 1000), 3),
    foreign_cpu_cores: foreignCores(first.cpu, last.cpu, serverCpuSeconds(first, last) ?? 0),
    slices: loadSlices(marks, inWindow),
    health: {
      ...summarize(health.samplesMs),
      interval_ms: options.probeIntervalMs,
      failures: health.failures,
    },
  };
}

/** Latency split for sequential single-image jobs: total, server compute, server queue, the rest. */
export function singleClientBreakdown(timings: readonly GenerateTiming[]) {
  return {
    jobs: timings.length,
    latency: summarize(timings.map((timing) => timing.latencyMs)),
    server_compute: summarize(timings.map((timing) => timing.computeMs)),
    server_queue: summarize(timings.map((timing) => timing.queueMs)),
    /** Client latency minus the server's compute and queue time: HTTP, JSON, base64, hand-offs. */
    outside_compute: summarize(timings.map((timing) => timing.latencyMs - timing.computeMs - timing.queueMs)),
    response_bytes: timings[0]?.responseBytes ?? null,
  };
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
}
