import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { executionProviders, imageSizeSchema } from '../../shared/index.ts';
import { asymmetricAlgorithms } from '../security/key-material.ts';

const commaList = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((part) => part.trim())
            .filter(Boolean)
        : value,
    z.array(item).min(1),
  );

/**
 * A whole number given as a flag or environment string: "abc" or an empty value is refused by
 * name (coercion read "abc" as NaN, "expected number, received NaN", and "" as 0, a random port).
 */
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    (value) =>
      typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
        ? Number(value)
        : value,
    z
      .number({
        error: (issue) =>
          issue.code === 'invalid_type'
            ? `expected a whole number, got ${JSON.stringify(issue.input)}`
            : undefined,
      })
      .int()
      .min(min)
      .max(max),
  );

/**
 * Pixels per latent cell of Stable Diffusion's VAE: every size a pipeline serves is a multiple of
 * it (`gpu-node/pipeline/pipeline-model.ts` checks it again when it loads the folder).
 */
export const PIPELINE_SIZE_MULTIPLE = 8;

/**
 * A size of `--pipeline-sizes`, checked at start with the other flags, whether or not a
 * `--pipeline` is given: a bad one is a usage error (exit 2) naming the flag, never found later.
 */
const pipelineSizeSchema = imageSizeSchema.refine(
  // A size that is not WIDTHxHEIGHT at all is named once, by imageSizeSchema's own message.
  (size) =>
    !imageSizeSchema.safeParse(size).success ||
    size.split('x').every((side) => Number(side) % PIPELINE_SIZE_MULTIPLE === 0),
  {
    error: (issue) => `${String(issue.input)} is not WIDTHxHEIGHT in multiples of ${PIPELINE_SIZE_MULTIPLE}`,
  },
);

const flag = z.preprocess((value) => value === true || value === 'true' || value === '1', z.boolean());

/** Every gpu-node setting, from flags or `SPILLWAY_*` environment variables, validated once. */
export const gpuNodeConfigSchema = z
  .object({
    port: wholeNumber(0, 65_535),
    host: z.string().min(1),
    poolId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'pool id must be 1-63 of [A-Za-z0-9_.-]'),
    providers: commaList(z.enum(executionProviders)),
    deviceId: wholeNumber(0),
    workers: wholeNumber(1, 64).optional(),
    intraOpThreads: wholeNumber(1, 256).optional(),
    cpuCores: wholeNumber(1, 4096).optional(),
    maxBatchSize: wholeNumber(1, 256),
    maxQueueSize: wholeNumber(0, 1_000_000),
    modelManifest: z.string().min(1).optional(),
    pipeline: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .transform((value) => (typeof value === 'string' ? [value] : value))
      .optional(),
    pipelineSizes: commaList(pipelineSizeSchema).optional(),
    modelDir: z.string().min(1),
    edgePublicKey: z.string().min(1).optional(),
    edgeJwksUrl: z.url({ protocol: /^https?$/ }).optional(),
    edgeIssuer: z.string().min(1),
    audience: z.string().min(1).optional(),
    jwtAlgorithms: commaList(z.enum(asymmetricAlgorithms)),
    insecureNoAuth: flag,
    protectOps: flag,
    edgeUrl: z.url({ protocol: /^https?$/ }).optional(),
    poolKey: z.string().min(1).optional(),
    poolKeyId: z.string().min(1).max(128).optional(),
    heartbeatIntervalMs: wholeNumber(100, 60_000),
    resultTtlMs: wholeNumber(0),
    maxKeptJobs: wholeNumber(1),
    maxBodyBytes: wholeNumber(1024, 16 * 1024 * 1024),
    drainTimeoutMs: wholeNumber(0),
    pngCompressionLevel: wholeNumber(0, 9),
    computeNice: wholeNumber(0, 19),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  })
  .superRefine((config, context) => {
    const keySources = [config.edgePublicKey, config.edgeJwksUrl].filter(Boolean).length;
    if (!config.insecureNoAuth && keySources !== 1) {
      context.addIssue({
        code: 'custom',
        path: ['edgePublicKey'],
        message:
          'give exactly one of --edge-public-key FILE or --edge-jwks-url URL (or --insecure-no-auth for local tests)',
      });
    }
    if (config.pipeline && config.modelManifest) {
      context.addIssue({
        code: 'custom',
        path: ['pipeline'],
        message: 'give --pipeline DIR or --model-manifest FILE, not both',
      });
    }
    if (config.edgeUrl && !config.poolKey) {
      context.addIssue({
        code: 'custom',
        path: ['poolKey'],
        message: '--edge-url needs --pool-key FILE to sign heartbeats',
      });
    }
  });

/** Validated gpu-node configuration. */
export type GpuNodeConfig = z.infer<typeof gpuNodeConfigSchema>;

/** Defaults for settings not given on the command line or in the environment. */
export const gpuNodeDefaults = {
  port: 9001,
  host: '127.0.0.1',
  poolId: 'local',
  providers: 'tensorrt,cuda,cpu',
  deviceId: 0,
  maxBatchSize: 16,
  maxQueueSize: 256,
  modelDir: '.spillway/models',
  edgeIssuer: 'spillway-edge',
  jwtAlgorithms: 'ES256,EdDSA',
  heartbeatIntervalMs: 1000,
  resultTtlMs: 600_000,
  maxKeptJobs: 1024,
  maxBodyBytes: 64 * 1024,
  drainTimeoutMs: 600_000,
  pngCompressionLevel: 1,
  computeNice: 10,
  logLevel: 'info',
} as const;

/** Validates raw settings; on failure the message names every bad setting by its flag. */
export function parseGpuNodeConfig(
  raw: Record<string, unknown>,
): { ok: true; config: GpuNodeConfig } | { ok: false; message: string } {
  const parsed = gpuNodeConfigSchema.safeParse({ ...gpuNodeDefaults, ...withoutUndefined(raw) });
  if (parsed.success) return { ok: true, config: parsed.data };
  const problems = parsed.error.issues.map(
    (issue) => `  --${kebab(String(issue.path[0] ?? 'config'))}: ${issue.message}`,
  );
  return { ok: false, message: `invalid gpu-node configuration:\n${problems.join('\n')}` };
}

/**
 * Worker threads and ONNX intra-op threads. GPU providers feed one device from one session;
 * on CPU one single-threaded session per core batches and parallelises best. `--cpu-cores` is the
 * pool's share of the host (default: all of it): pools that share a host and each take every core
 * fight over them, and each measures its step times slower by however busy the others are.
 */
export function engineParallelism(config: GpuNodeConfig, provider: (typeof executionProviders)[number]) {
  const cores = config.cpuCores ?? availableParallelism();
  const workers = config.workers ?? (provider === 'cpu' ? cores : 1);
  const intraOpThreads = config.intraOpThreads ?? Math.max(1, Math.floor(cores / workers));
  return { workers, intraOpThreads };
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function withoutUndefined(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
}
