import { z } from 'zod';
import { imageSizeSchema } from './generation-request.ts';

/** Execution providers gpu-node can run on, fastest first. */
export const executionProviders = ['tensorrt', 'cuda', 'cpu'] as const;

/** Most points a pool reports of its step curve (the edge evaluates it in constant time). */
export const MAX_STEP_CURVE_POINTS = 8;

// Bounds far past any real pool. Without them a report of finite but extreme figures (1e308
// megapixel-steps queued and running, a step of 5e-324 ms) overflows to Infinity once routing
// adds or divides them, and to NaN after.
/** Most images, slots, batches or steps a report may state. */
export const MAX_REPORTED_COUNT = 1_000_000;
/** Longest duration a report may state, ms: one day. */
export const MAX_REPORTED_MS = 86_400_000;
/** Most megapixel-steps (queued, running, per second) or megapixels a report may state. */
export const MAX_REPORTED_WORK = 1e12;
/** Smallest batch a curve point may state, megapixels: one pixel. */
export const MIN_CURVE_MEGAPIXELS = 1e-6;
/** Quickest step a curve point may state, ms: a microsecond. */
export const MIN_CURVE_STEP_MS = 1e-3;
/**
 * How far ahead of the edge's clock a report's `timestamp` may be, ms (the pool's clock skew). A
 * report dated further ahead is refused: kept, every later report would look older than it.
 */
export const REPORT_CLOCK_TOLERANCE_MS = 5_000;

const reportedCount = () => z.number().int().nonnegative().max(MAX_REPORTED_COUNT);
const reportedMs = () => z.number().nonnegative().max(MAX_REPORTED_MS);
const reportedWork = () => z.number().nonnegative().max(MAX_REPORTED_WORK);

/** One measured point of a pool's step curve. */
export const stepCurvePointSchema = z.object({
  batch_megapixels: z
    .number()
    .min(MIN_CURVE_MEGAPIXELS)
    .max(MAX_REPORTED_WORK)
    .describe('Megapixels in the running batch: the sum over its images of width × height / 10⁶.'),
  step_ms: z
    .number()
    .min(MIN_CURVE_STEP_MS)
    .max(MAX_REPORTED_MS)
    .describe(
      'Measured time of one denoising step of a batch that size, ms: its own compute (less any wait ' +
        'for a CPU), times how crowded the host has made steps lately (1 once the pool has idled a while).',
    ),
});

/** A model a pool serves and the request ranges it accepts. */
export const servedModelSchema = z.object({
  name: z.string(),
  sizes: z.array(imageSizeSchema).min(1),
  default_size: imageSizeSchema,
  default_steps: z.number().int().positive().max(MAX_REPORTED_COUNT),
  max_steps: z.number().int().positive().max(MAX_REPORTED_COUNT),
  /**
   * Request options the model honours beyond prompt, size, steps and seed (`negative_prompt`,
   * `guidance_scale` for pipelines that guide). Absent: none.
   */
  options: z.array(z.string().max(64)).max(32).optional(),
  execution_provider: z
    .enum(executionProviders)
    .optional()
    .describe(
      'The execution provider this model runs on. gpu-node walks its provider chain once for all of ' +
        "a pool's models (one provider per pool), so every model reports the pool's.",
    ),
  step_curve: z
    .array(stepCurvePointSchema)
    .max(MAX_STEP_CURVE_POINTS)
    .optional()
    .describe(
      "This model's own step curve: the time its batches took within the pool's steps, by their " +
        'megapixels (same reading as `work.step_curve`). Absent before the model stepped. Routing ' +
        "uses it for the model's requests, where the pool's curve mixes every model it serves.",
    ),
});

/** One GPU as nvidia-smi / NVML reports it. */
export const gpuStatsSchema = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  utilization_pct: z.number().min(0).max(100).nullable(),
  memory_used_bytes: z.number().nonnegative().nullable(),
  memory_total_bytes: z.number().nonnegative().nullable(),
});

/**
 * A pool's load and speed in work units (megapixel-steps, `shared/work.ts`), measured by the pool
 * itself from its own steps: nothing here is configured per host or provider.
 */
export const poolWorkSchema = z.object({
  queued: reportedWork().describe('Megapixel-steps waiting for a slot.'),
  running: reportedWork().describe('Megapixel-steps left in the running batch.'),
  throughput_per_s: reportedWork()
    .nullable()
    .describe('Megapixel-steps the pool completed per second lately; null before it completed any.'),
  batches: z
    .number()
    .int()
    .positive()
    .max(MAX_REPORTED_COUNT)
    .optional()
    .describe(
      'Batches the pool steps in parallel (its engine workers, each with its own batch of up to ' +
        '`slots / batches` images); `step_curve` describes one of them. Absent means 1.',
    ),
  step_curve: z
    .array(stepCurvePointSchema)
    .max(MAX_STEP_CURVE_POINTS)
    .describe(
      'Measured step time by batch size, increasing `batch_megapixels`; empty before the first step. ' +
        'Between two points step time is linear; below the first and beyond the last it is in proportion ' +
        'to the batch (no batching gain assumed where nothing was measured). The edge reads a curve whose ' +
        'largest batch is under one image of the model’s default size at the fleet’s median pace up to ' +
        'one such image (a step measured on tiny images is mostly fixed cost).',
    ),
  finish_ms: reportedMs()
    .nullable()
    .optional()
    .describe(
      'Moving average of the time an image takes after its last step (decode, encode), ms: part of ' +
        'every request’s time that no step curve holds. Null before the first image; absent from older pools.',
    ),
  finish_ms_per_megapixel: reportedMs()
    .nullable()
    .optional()
    .describe(
      'The same, per megapixel of the image (decoding and PNG encoding scale with the pixels): a ' +
        'request’s finish is this times its image’s megapixels. Null before the first image; absent ' +
        'from older pools, whose `finish_ms` then stands for every size.',
    ),
});

/** What a pool reports about itself, pulled from `/v1/telemetry` or pushed as a signed heartbeat. */
export const telemetryReportSchema = z.object({
  pool_id: z.string().min(1),
  version: z.string(),
  timestamp: z.number().int().describe('Unix epoch milliseconds when the report was taken.'),
  models: z.array(servedModelSchema),
  execution_provider: z
    .enum([...executionProviders, 'remote'])
    .describe(
      'Where the pool runs its models; `remote` in the reports the edge writes itself for pools of ' +
        'other protocols (OpenAI-compatible, KServe, Replicate, fal), which push none.',
    ),
  slots: reportedCount().describe('Images that can be denoised concurrently.'),
  running: reportedCount().describe('Images in the running batch.'),
  queued: reportedCount().describe('Images waiting for a slot.'),
  max_queue: reportedCount(),
  ewma_step_ms: reportedMs().nullable(),
  ewma_job_ms: reportedMs().nullable(),
  p50_job_ms: reportedMs()
    .nullable()
    .optional()
    .describe('Median time of the last 100 jobs, first slot to last image, ms; null before the first.'),
  throughput_images_per_s: reportedWork(),
  gpus: z.array(gpuStatsSchema).nullable().describe('null where nvidia-smi does not answer.'),
  draining: z.boolean(),
  ready: z.boolean(),
  work: poolWorkSchema
    .optional()
    .describe('Load and speed in megapixel-steps; absent from pools older than this field.'),
});

/** A pool telemetry report. */
export type TelemetryReport = z.infer<typeof telemetryReportSchema>;
/** One served model. */
export type ServedModel = z.infer<typeof servedModelSchema>;
/** A pool's load and speed in work units. */
export type PoolWork = z.infer<typeof poolWorkSchema>;
/** One measured point of a step curve. */
export type StepCurvePoint = z.infer<typeof stepCurvePointSchema>;
/** One GPU's stats. */
export type GpuStats = z.infer<typeof gpuStatsSchema>;
/** One of {@link executionProviders}. */
export type ExecutionProvider = (typeof executionProviders)[number];
