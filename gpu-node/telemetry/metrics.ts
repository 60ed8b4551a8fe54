import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ExecutionProvider, GpuStats } from '../../shared/index.ts';
import type { Job } from '../scheduler/job.ts';
import type { SchedulerLoad, SchedulerObserver } from '../scheduler/scheduler.ts';

/** What the metrics read at scrape time. */
export interface MetricsSources {
  readonly poolId: string;
  readonly version: string;
  readonly provider: ExecutionProvider;
  readonly load: () => SchedulerLoad;
  readonly gpus: () => GpuStats[] | null;
}

/** Work gauges are written to this many fraction digits: one pixel-step in megapixel-steps. */
const WORK_GAUGE_SCALE = 1_000_000;

/**
 * A work figure as its gauge shows it: at least 0 and rounded to a millionth (one pixel-step),
 * which loses nothing of a sum of whole pixels × steps, and shows a throughput that has decayed
 * towards nothing while idle (e^(−t/10 s)) as 0 rather than as 3e-14.
 */
export function workGaugeValue(value: number): number {
  return Number.isFinite(value) ? Math.max(0, Math.round(value * WORK_GAUGE_SCALE) / WORK_GAUGE_SCALE) : 0;
}

/**
 * Prometheus metrics for one pool (prom-client, own registry). Names follow Triton's where a
 * counterpart exists in spirit: queue depth, running, batch size, step and job latency,
 * failures by reason, and which execution provider was taken.
 */
export class PoolMetrics implements Omit<SchedulerObserver, 'onChange'> {
  readonly registry = new Registry();
  readonly #batchSize: Histogram;
  readonly #stepSeconds: Histogram;
  readonly #jobSeconds: Histogram;
  readonly #jobs: Counter<'outcome'>;
  readonly #failures: Counter<'reason'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    // No default labels: Prometheus attaches target labels at scrape time; the pool id is on
    // the info metric for joins.
    new Gauge({
      name: 'spillway_queue_depth',
      help: 'Images waiting for a batch slot.',
      registers,
      collect() {
        this.set(sources.load().queued);
      },
    });
    new Gauge({
      name: 'spillway_running_images',
      help: 'Images in the running batches.',
      registers,
      collect() {
        this.set(sources.load().running);
      },
    });
    new Gauge({
      name: 'spillway_queued_work_megapixel_steps',
      help: 'Work waiting for a batch slot: images x steps x megapixels.',
      registers,
      collect() {
        this.set(workGaugeValue(sources.load().queuedWork));
      },
    });
    new Gauge({
      name: 'spillway_running_work_megapixel_steps',
      help: 'Work left in the running batches: remaining steps x megapixels, summed over images.',
      registers,
      collect() {
        this.set(workGaugeValue(sources.load().runningWork));
      },
    });
    new Gauge({
      name: 'spillway_work_throughput_megapixel_steps_per_second',
      help: 'Megapixel-steps done per second lately (exponentially time-weighted); 0 before the first step.',
      registers,
      collect() {
        this.set(workGaugeValue(sources.load().workPerSecond ?? 0));
      },
    });
    new Gauge({
      name: 'spillway_batch_slots',
      help: 'Images that can be denoised concurrently.',
      registers,
      collect() {
        this.set(sources.load().slots);
      },
    });
    new Gauge({
      name: 'spillway_draining',
      help: '1 while the pool drains and refuses new work.',
      registers,
      collect() {
        this.set(sources.load().draining ? 1 : 0);
      },
    });
    new Gauge({
      name: 'spillway_execution_provider_info',
      help: 'The ONNX Runtime execution provider this pool runs on (value is always 1).',
      labelNames: ['pool_id', 'provider', 'version'],
      registers,
      collect() {
        this.set({ pool_id: sources.poolId, provider: sources.provider, version: sources.version }, 1);
      },
    });
    new Gauge({
      name: 'spillway_gpu_utilization_ratio',
      help: 'GPU utilisation (0-1) from nvidia-smi; absent without a GPU.',
      labelNames: ['gpu'],
      registers,
      collect() {
        this.reset();
        for (const gpu of sources.gpus() ?? []) {
          if (gpu.utilization_pct !== null) this.set({ gpu: String(gpu.index) }, gpu.utilization_pct / 100);
        }
      },
    });
    new Gauge({
      name: 'spillway_gpu_memory_used_bytes',
      help: 'GPU memory in use from nvidia-smi; absent without a GPU.',
      labelNames: ['gpu'],
      registers,
      collect() {
        this.reset();
        for (const gpu of sources.gpus() ?? []) {
          if (gpu.memory_used_bytes !== null) this.set({ gpu: String(gpu.index) }, gpu.memory_used_bytes);
        }
      },
    });
    this.#batchSize = new Histogram({
      name: 'spillway_batch_size',
      help: 'Images per denoiser step.',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers,
    });
    this.#stepSeconds = new Histogram({
      name: 'spillway_step_duration_seconds',
      help: 'Wall time of one batched denoiser step.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.#jobSeconds = new Histogram({
      name: 'spillway_job_duration_seconds',
      help: 'Time from admission to result, successful jobs.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.#jobs = new Counter({
      name: 'spillway_jobs_total',
      help: 'Jobs that ended, by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    this.#failures = new Counter({
      name: 'spillway_job_failures_total',
      help: 'Jobs that did not succeed and requests refused, by reason.',
      labelNames: ['reason'],
      registers,
    });
  }

  /** @inheritdoc */
  onStep(batchSize: number, durationMs: number): void {
    if (batchSize === 0) return;
    this.#batchSize.observe(batchSize);
    this.#stepSeconds.observe(durationMs / 1000);
  }

  /** @inheritdoc */
  onJobSettled(job: Job): void {
    const outcome = job.outcome;
    if (!outcome) return;
    this.#jobs.inc({ outcome: job.state });
    if (outcome.ok) {
      this.#jobSeconds.observe(((job.finishedAt ?? job.createdAt) - job.createdAt) / 1000);
    } else {
      this.#failures.inc({ reason: outcome.failure.code });
    }
  }

  /** Counts a request refused before it became a job (queue full, draining, bad input …). */
  countRejection(reason: string): void {
    this.#failures.inc({ reason });
  }
}
