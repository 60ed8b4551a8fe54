import type { TelemetryReport } from '../../shared/index.ts';
import { loadHeaders } from '../../shared/index.ts';

/** The model the instant pool claims to serve; requests and registration name it. */
export const benchModel = 'spillway-tiny';
/** The one size the instant pool lists. */
export const benchSize = '64x64';
/** Slots the instant pool reports: far above the bench's concurrency, so routing never sees it full. */
const slots = 256;

/** A 1x1 transparent PNG, base64: the smallest image a client can decode. */
const onePixelPng =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** Load headers on every answer: an idle pool, as gpu-node piggybacks them. */
export const instantLoadHeaders = loadHeaders({ queued: 0, running: 0, slots, draining: false });

/**
 * The body of a gpu-node `/v1/generate` answer for one image, as a function of the job id, built
 * by concatenation so the pool does no per-request serialisation beyond escaping the id.
 */
export function instantAnswer(poolId: string): (jobId: string) => string {
  const before = `{"created":1700000000,"data":[{"b64_json":"${onePixelPng}","seed":1}],"spillway":{"job_id":`;
  const after = JSON.stringify({
    pool_id: poolId,
    model: benchModel,
    size: benchSize,
    steps: 1,
    execution_provider: 'cpu',
    queue_ms: 0,
    compute_ms: 0,
    warnings: [],
  }).slice(1);
  return (jobId) => `${before}${JSON.stringify(jobId)},${after}}`;
}

/**
 * The body of an OpenAI `POST /v1/images/generations` answer for one image: what the instant pool
 * answers an OpenAI-speaking gateway (Portkey's `openai` provider with a custom host).
 */
export const instantOpenAiAnswer = `{"created":1700000000,"data":[{"b64_json":"${onePixelPng}"}]}`;

/** A heartbeat report of an idle, ready pool that serves {@link benchModel}. */
export function instantTelemetry(poolId: string): TelemetryReport {
  return {
    pool_id: poolId,
    version: 'bench-edge',
    timestamp: Date.now(),
    models: [
      { name: benchModel, sizes: [benchSize], default_size: benchSize, default_steps: 1, max_steps: 50 },
    ],
    execution_provider: 'cpu',
    slots,
    running: 0,
    queued: 0,
    max_queue: 1024,
    ewma_step_ms: 1,
    ewma_job_ms: 1,
    throughput_images_per_s: 1000,
    gpus: null,
    draining: false,
    ready: true,
  };
}
