import type { ExecutionProvider, TelemetryReport } from '../../shared/index.ts';
import type { GpuNodeProcess } from '../../test/support/gpu-node-process.ts';
import { startGpuNode } from '../../test/support/gpu-node-process.ts';
import { type GenerateBody, GpuNodeClient } from './http-client.ts';
import { startHttpFloor } from './http-floor.ts';
import { type InterleavedLatency, measureInterleaved } from './interleaved-latency.ts';
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
  /** Clients for the latency-under-load figure; saturation uses at least twice the slots. */
  readonly clients: number;
  readonly rampMs: number;
  readonly saturationMs: number;
  /** Window of the latency run at `clients`, when saturation needs more clients. */
  readonly atClientsMs: number;
  readonly singleClientJobs: number;
  readonly warmupJobs: number;
  readonly probeIntervalMs: number;
  readonly sliceMs: number;
  readonly serverLogLevel: string;
  /** Rounds of one raw image, one gpu-node call and one floor call, in turn. */
  readonly interleavedRounds: number;
  /** One raw image on an otherwise idle worker; its milliseconds. */
  readonly rawImage: () => Promise<number>;
  /** Rounds alternating raw and server measurements after the main ones; none when null. */
  readonly paired: {
    readonly rounds: number;
    readonly saturationMs: number;
    readonly raw: RawProbe;
  } | null;
}

/** Everything measured against a real gpu-node over HTTP. */
export interface E2eReport {
  readonly server: {
    readonly max_batch_size: number;
    readonly slots: number;
    readonly execution_provider: TelemetryReport['execution_provider'];
    readonly log_level: string;
  };
  readonly single_client: ReturnType<typeof singleClientBreakdown> & { readonly failures: number };
  /** Single-image latency measured in turn with raw compute and the HTTP floor. */
  readonly interleaved: InterleavedLatency;
  readonly saturation: SaturationReport;
  /** Latency at `clients` when saturation needed more clients than that; else null. */
  readonly at_clients: SaturationReport | null;
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
  // One connection per closed-loop client, however many saturation needs.
  const client = new GpuNodeClient(node.url, null);
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
    const floor = await startHttpFloor();
    const interleaved = await measureInterleaved(
      { client, floor, rawImage: options.rawImage, body },
      options.interleavedRounds,
    ).finally(() => floor.close());
    log(
      `e2e: interleaved p50 raw ${interleaved.raw_p50_ms} ms, served ${interleaved.e2e_p50_ms} ms, HTTP floor ${interleaved.http_floor_p50_ms} ms`,
    );
    // Every slot busy and a queue behind it: a closed-loop client leaves its slot empty while
    // its response travels and its next request comes back.
    const saturationClients = Math.max(options.clients, 2 * telemetry.slots);
    const jobMs = (await ops.telemetry()).ewma_job_ms ?? options.rampMs;
    const load = {
      origin: node.url,
      serverPid: node.child.pid,
      rampMs: options.rampMs,
      staggerMs: Math.min(jobMs, options.rampMs),
      probeIntervalMs: options.probeIntervalMs,
      body,
    };
    const saturation = await runSaturation(client, ops, {
      ...load,
      clients: saturationClients,
      durationMs: options.saturationMs,
      sliceMs: options.sliceMs,
    });
    log(
      `e2e: ${saturationClients} clients: ${saturation.images_per_s} images/s, health p99 ${saturation.health.p99_ms} ms`,
    );
    const atClients =
      saturationClients === options.clients
        ? null
        : await runSaturation(client, ops, {
            ...load,
            clients: options.clients,
            durationMs: options.atClientsMs,
            sliceMs: options.atClientsMs,
          });
    const { paired } = options;
    const pairedReport =
      paired === null
        ? null
        : await runPaired(client, ops, paired.raw, { ...load, ...paired, clients: saturationClients }, log);
    return {
      server: {
        max_batch_size: options.maxBatchSize,
        slots: telemetry.slots,
        execution_provider: telemetry.execution_provider,
        log_level: options.serverLogLevel,
      },
      single_client: singleClient,
      interleaved,
      saturation,
      at_clients: atClients,
      paired: pairedReport,
      telemetry_after: await ops.telemetry(),
    };
  } finally {
    await Promise.allSettled([client.close(), ops.close()]);
    await node.kill();
    running = null;
  }
}
