import type { BackendProbe, ImageBackend } from '../../backends/index.ts';
import type { PoolRecord, TelemetryReport } from '../../shared/index.ts';
import type { ProviderCredentialSource } from '../auth/provider-credentials.ts';
import { type ObservedSpeed, observedReport, speedFromReport } from './observed-report.ts';
import type { OutcomeSummary } from './outcome-ledger.ts';

/** How often the registry writes a report for each pool that pushes none, ms. */
export const OBSERVED_REPORT_INTERVAL_MS = 1_000;
/** How often such a pool is probed (health, Triton metrics), ms: never per request. */
export const PROBE_INTERVAL_MS = 2_000;
/** A probe that takes longer than this counts as a failed one. */
const PROBE_TIMEOUT_MS = 1_500;
/** An isolate's in-flight figures older than this are dropped (it went quiet or away). */
const ISOLATE_SUMMARY_TTL_MS = 5_000;
/** Weight of the newest sample in the measured speed (EWMA). */
const SAMPLE_WEIGHT = 0.2;
/** Window of completed images behind `throughput_images_per_s`, ms. */
const THROUGHPUT_WINDOW_MS = 10_000;

/** A pool the registry reports on, with what its probe needs. */
export interface PulledPool {
  readonly pool: Pick<PoolRecord, 'id' | 'url' | 'capacity' | 'ms_per_megapixel_step' | 'upstream'>;
  readonly protocol: string;
  /** Where the provider's credential lives (sent with the probe). */
  readonly credential: ProviderCredentialSource;
  /** The latest stored report, from which a restarted registry recovers its measurements. */
  readonly latest: TelemetryReport | null;
}

/** What {@link PullTelemetry} needs from the registry that owns it. */
export interface PullTelemetryHost {
  readonly backendFor: (protocol: string) => ImageBackend | undefined;
  /** Probes one pool (adapter, credential, URL policy); the host maps errors to not-ready. */
  readonly probe: (backend: ImageBackend, pulled: PulledPool, signal: AbortSignal) => Promise<BackendProbe>;
  /** Stores a report; `probedReady`: a probe found the pool ready (it may clear a suspicion). */
  readonly record: (
    poolId: string,
    report: TelemetryReport,
    receivedAt: number,
    probedReady: boolean,
  ) => void;
}

type PoolMemory = {
  speed: ObservedSpeed;
  completions: { at: number; images: number }[];
  probe: BackendProbe | null;
  probedAt: number;
};

/**
 * The registry's telemetry for pools that push none: it adds every isolate's outcome summary
 * (piggybacked on snapshot reads) into in-flight counts and a measured speed, probes each pool on
 * a schedule (`PROBE_INTERVAL_MS`), and writes one report per pool per `OBSERVED_REPORT_INTERVAL_MS`
 * in the shared shape (`observedReport`). Memory only: a restarted registry starts from the
 * speeds in the last reports it wrote, and in-flight counts come back with the next summaries.
 */
export class PullTelemetry {
  readonly #host: PullTelemetryHost;
  readonly #isolates = new Map<string, { at: number; images: Map<string, number> }>();
  readonly #pools = new Map<string, PoolMemory>();

  constructor(host: PullTelemetryHost) {
    this.#host = host;
  }

  /** Takes in one isolate's summary (its in-flight images replace the ones it sent before). */
  absorb(summary: OutcomeSummary, now: number): void {
    const images = new Map<string, number>();
    for (const outcome of summary.pools) {
      if (outcome.inFlightImages > 0) images.set(outcome.poolId, outcome.inFlightImages);
      const memory = this.#pools.get(outcome.poolId);
      if (!memory) continue;
      if (outcome.completedImages > 0) memory.completions.push({ at: now, images: outcome.completedImages });
      if (outcome.completed > 0) {
        memory.speed = {
          ...memory.speed,
          jobMs: fold(memory.speed.jobMs, outcome.latencyMsSum / outcome.completed),
          ...(outcome.imageMegapixelsSum > 0
            ? {
                imageMegapixels: fold(
                  memory.speed.imageMegapixels,
                  outcome.imageMegapixelsSum / outcome.completed,
                ),
              }
            : {}),
        };
      }
      if (outcome.msPerWorkSamples > 0) {
        const msPerWork = fold(memory.speed.msPerWork, outcome.msPerWorkSum / outcome.msPerWorkSamples);
        memory.speed = { ...memory.speed, msPerWork };
      }
    }
    this.#isolates.set(summary.isolateId, { at: now, images });
  }

  /**
   * Writes a report for each pool and probes the ones that are due; pools no longer listed are
   * forgotten. Resolves when every probe has answered or timed out. Reports are written before the
   * probes are awaited, and a probed pool's again once its probe answers: written after them, a
   * slow probe (up to `PROBE_TIMEOUT_MS`) aged every report by as much, and routing, which drops a
   * pool whose latest report trails the fleet's newest by more than two heartbeats
   * (`heartbeatLagLimitMs`), dropped every pulled pool whenever one provider's probe was slow. A
   * pool not yet probed waits for its first probe, so that it is never reported ready unasked.
   */
  async tick(pools: readonly PulledPool[], clock: () => number): Promise<void> {
    const now = clock();
    const listed = new Set(pools.map((pulled) => pulled.pool.id));
    for (const id of this.#pools.keys()) if (!listed.has(id)) this.#pools.delete(id);
    for (const [id, isolate] of this.#isolates) {
      if (now - isolate.at > ISOLATE_SUMMARY_TTL_MS) this.#isolates.delete(id);
    }
    const due = this.#dueProbes(pools, now);
    const unprobed = new Set(
      due.map(({ pulled }) => pulled).filter((pulled) => this.#memoryOf(pulled).probe === null),
    );
    this.#report(
      pools.filter((pulled) => !unprobed.has(pulled)),
      now,
    );
    await Promise.all(due.map(({ pulled, probe }) => this.#probe(pulled, probe, now)));
    this.#report(
      due.map(({ pulled }) => pulled),
      Math.max(now, clock()),
    );
  }

  #report(pools: readonly PulledPool[], now: number): void {
    for (const pulled of pools) {
      const memory = this.#memoryOf(pulled);
      memory.completions = memory.completions.filter((entry) => now - entry.at <= THROUGHPUT_WINDOW_MS);
      const completed = memory.completions.reduce((sum, entry) => sum + entry.images, 0);
      const report = observedReport({
        pool: pulled.pool,
        inFlightImages: this.#inFlightImages(pulled.pool.id),
        imagesPerSecond: completed / (THROUGHPUT_WINDOW_MS / 1_000),
        speed: memory.speed,
        probe: memory.probe,
        now,
      });
      this.#host.record(pulled.pool.id, report, now, memory.probe?.ready === true);
    }
  }

  #memoryOf(pulled: PulledPool): PoolMemory {
    let memory = this.#pools.get(pulled.pool.id);
    if (!memory) {
      memory = { speed: speedFromReport(pulled.latest), completions: [], probe: null, probedAt: 0 };
      this.#pools.set(pulled.pool.id, memory);
    }
    return memory;
  }

  /** The pools whose protocol has a probe and whose last one is `PROBE_INTERVAL_MS` old. */
  #dueProbes(pools: readonly PulledPool[], now: number): { pulled: PulledPool; probe: ImageBackend }[] {
    const due: { pulled: PulledPool; probe: ImageBackend }[] = [];
    for (const pulled of pools) {
      const backend = this.#host.backendFor(pulled.protocol);
      if (backend?.probe && now - this.#memoryOf(pulled).probedAt >= PROBE_INTERVAL_MS)
        due.push({ pulled, probe: backend });
    }
    return due;
  }

  async #probe(pulled: PulledPool, backend: ImageBackend, now: number): Promise<void> {
    const memory = this.#memoryOf(pulled);
    memory.probedAt = now;
    memory.probe = await this.#host
      .probe(backend, pulled, AbortSignal.timeout(PROBE_TIMEOUT_MS))
      .catch((error: unknown) => ({
        ready: false,
        detail: error instanceof Error ? error.message : 'probe failed',
      }));
  }

  #inFlightImages(poolId: string): number {
    let images = 0;
    for (const isolate of this.#isolates.values()) images += isolate.images.get(poolId) ?? 0;
    return images;
  }
}

function fold(previous: number | null, sample: number): number {
  if (!Number.isFinite(sample) || sample < 0) return previous ?? 0;
  return previous === null ? sample : previous + SAMPLE_WEIGHT * (sample - previous);
}
