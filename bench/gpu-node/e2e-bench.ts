import type { ExecutionProvider, TelemetryReport } from '../../shared/index.ts';
import type { GpuNodeProcess } from '../../test/support/gpu-node-process.ts';
import { startGpuNode } from '../../test/support/gpu-node-process.ts';
import { type GenerateBody, GpuNodeClient } from './http-client.ts';
import { runClosedLoop } from './load-loop.ts';
import { type PairedReport, type RawProbe, runPaired } from './paired.ts';
import { runSaturation, type SaturationReport, singleClientBreakdown } from './saturation.ts';

/** How the end-to-end benchmark runs. */
export interface E2eBenchOptions {
  readonly providers: readonly ExecutionProvider[];
  readonly workers: number | undefined;
  readonly maxBatchSize: number;
  readonly maxQueueSize: number;
  readonly size: string;
  readonly steps: number;
  readonly clients: number;
  readonly rampMs: number;
  readonly saturationMs: number;
  readonly singleClientJobs: number;
  readonly warmupJobs: number;
  readonly probeIntervalMs: number;
  readonly sliceMs: number;
  readonly serverLogLevel: string;
  /** Rounds alternating raw and server measurements after the main ones; none when null. */
  readonly paired: {
    readonly rounds: number;
    readonly saturationMs: number;
    readonly singleClientJobs: number;
    readonly raw: RawProbe;
  } | null;
}

/** Everything measured against a real gpu-node over HTTP. */
export interface E2eReport {
  readonly server: {
    readonly max_batch_size: number;
    readonly slots: number;
    readonly execution_provider: ExecutionProvider;
    readonly log_level: string;
  };
  readonly single_client: ReturnType<typeof singleClientBreakdown> & { readonly failures: number };
  readonly saturation: SaturationReport;
  readonly paired: PairedReport | null;
  readonly telemetry_after: TelemetryReport;
}

/** The running child, so a signal handler can kill it; null when none runs. */
let running: GpuNodeProcess | null = null;

/** Kills the gpu-node child if one is running (for signal handlers). */
export async function killRunningGpuNode(): Promise<void> {
  await running?.kill();
}

/**
 * Starts gpu-node as a child process, warms it up, measures single-client latency, then
 * saturation throughput with a liveness probe alongside; always kills the child.
 */
export async function runE2eBench(options: E2eBenchOptions, log: (line: string) => void): Promise<E2eReport> {
  const flags = [
    ...['--pool-id', 'bench', '--insecure-no-auth', '--log-level', options.serverLogLevel],
    ...['--providers', options.providers.join(','), '--max-batch-size', String(options.maxBatchSize)],
    ...['--max-queue-size', String(options.maxQueueSize)],
    ...(options.workers === undefined ? [] : ['--workers', String(options.workers)]),
  ];
  const node = await startGpuNode(flags, 120_000);
  running = node;
  const client = new GpuNodeClient(node.url, options.clients + 1);
  const ops = new GpuNodeClient(node.url, 1);
  try {
    const telemetry = await ops.telemetry();
    log(`e2e: gpu-node at ${node.url} on ${telemetry.execution_provider}, ${telemetry.slots} slots`);
    const body = (sequence: number): GenerateBody => ({
      prompt: `a lighthouse at dusk, variation ${sequence}`,
      seed: sequence,
      steps: options.steps,
      size: options.size,
      n: 1,
    });
    const once = { stopAt: Number.POSITIVE_INFINITY, body };
    await runClosedLoop(client, { ...once, clients: 1, jobsPerClient: options.warmupJobs });
    await runClosedLoop(client, { ...once, clients: options.clients, jobsPerClient: 1 });
    log('e2e: warmed up; measuring single-client latency');
    const single = await runClosedLoop(client, {
      ...once,
      clients: 1,
      jobsPerClient: options.singleClientJobs,
    });
    const singleClient = { ...singleClientBreakdown(single.timings), failures: single.failures };
    log(`e2e: 1 client p50 ${singleClient.latency.p50_ms} ms; saturating with ${options.clients} clients`);
    const saturation = await runSaturation(client, ops, {
      origin: node.url,
      serverPid: node.child.pid,
      clients: options.clients,
      rampMs: options.rampMs,
      durationMs: options.saturationMs,
      probeIntervalMs: options.probeIntervalMs,
      sliceMs: options.sliceMs,
      body,
    });
    log(`e2e: ${saturation.images_per_s} images/s, health p99 ${saturation.health.p99_ms} ms`);
    const { paired } = options;
    const pairedReport =
      paired === null
        ? null
        : await runPaired(
            client,
            ops,
            paired.raw,
            { ...options, ...paired, origin: node.url, serverPid: node.child.pid, body },
            log,
          );
    return {
      server: {
        max_batch_size: options.maxBatchSize,
        slots: telemetry.slots,
        execution_provider: telemetry.execution_provider,
        log_level: options.serverLogLevel,
      },
      single_client: singleClient,
      saturation,
      paired: pairedReport,
      telemetry_after: await ops.telemetry(),
    };
  } finally {
    await Promise.allSettled([client.close(), ops.close()]);
    await node.kill();
    running = null;
  }
}
