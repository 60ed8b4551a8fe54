import { z } from 'zod';
import { type AdmissionSettings, tierLimitsOf, tierLimitsVarSchema } from './admission/admission-settings.ts';
import { DEFAULT_TIER_SLOWDOWN_LIMITS } from './admission/tier-shedding.ts';
import { REQUEST_LOG_LEVELS, type RequestLogLevel } from './observability/request-log.ts';
import type { RoutingPolicy } from './routing/index.ts';

/** Telemetry older than this excludes a pool from routing, unless `TELEMETRY_TTL_MS` says otherwise. */
export const DEFAULT_TELEMETRY_TTL_MS = 5_000;
/** The model of a request that names none, unless `DEFAULT_MODEL` says otherwise. */
export const DEFAULT_MODEL = 'spillway-tiny';
/** Job time routing assumes for a pool that has not finished a job yet. */
export const DEFAULT_JOB_MS = 1_000;
/**
 * Latency objective per tier unless `TIER_OBJECTIVES_MS` says otherwise: routing prefers the
 * cheapest pools predicted to finish within it and spills to priced ones only when owned ones
 * would miss it (`docs/routing.md`, "Spill by cost"). A fleet without prices routes as without.
 */
export const DEFAULT_TIER_OBJECTIVES_MS = {} as const;
/** Most webhook deliveries tried per job. */
export const WEBHOOK_MAX_ATTEMPTS = 8;
/** Longest pause between two webhook deliveries. */
export const WEBHOOK_MAX_DELAY_MS = 600_000;

// Vars arrive as strings from `wrangler.toml` (`[vars]`), `.dev.vars` or the dashboard; JSON vars
// may arrive as numbers or booleans. Both spellings are accepted, nothing else.
const positiveInteger = (fallback: number) =>
  z
    .union([z.number(), z.string().trim().regex(/^\d+$/, 'must be a positive integer').transform(Number)])
    .pipe(z.number().int('must be a positive integer').positive('must be a positive integer'))
    .default(fallback);

const flag = z
  .union([z.boolean(), z.enum(['true', 'false'], 'must be "true" or "false"').transform((v) => v === 'true')])
  .default(false);

const varsSchema = z.object({
  EDGE_SIGNING_KEY: z.string('is required (a secret: the edge’s Ed25519 private JWK)').min(1, 'is empty'),
  EDGE_SIGNING_KEY_PREVIOUS: z
    .string('must be the other private Ed25519 JWK of a rotation')
    .transform((value) => (value === '' ? undefined : value))
    .optional(),
  PROVIDER_CREDENTIALS_KEY: z
    .union([
      z.literal('').transform(() => undefined),
      z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)'),
    ])
    .optional(),
  TELEMETRY_TTL_MS: positiveInteger(DEFAULT_TELEMETRY_TTL_MS),
  TIER_OBJECTIVES_MS: z
    .preprocess(
      parseJsonText,
      z.strictObject(
        {
          free: z.number().int().positive().optional(),
          paid: z.number().int().positive().optional(),
          enterprise: z.number().int().positive().optional(),
        },
        'must be a JSON object of tiers (free, paid, enterprise) to positive ms, e.g. {"paid":10000}',
      ),
    )
    .default(DEFAULT_TIER_OBJECTIVES_MS),
  TIER_LIMITS: z
    .preprocess(parseJsonText, tierLimitsVarSchema)
    .default({})
    .transform((overrides) => tierLimitsOf(overrides)),
  TIER_SLOWDOWN_LIMITS: z
    .preprocess(
      parseJsonText,
      z.strictObject(
        {
          free: z.number().min(1).optional(),
          paid: z.number().min(1).optional(),
          enterprise: z.number().min(1).optional(),
        },
        'must be a JSON object of tiers (free, paid, enterprise) to slowdowns >= 1, e.g. {"free":1.2}',
      ),
    )
    .default(DEFAULT_TIER_SLOWDOWN_LIMITS),
  DEFAULT_MODEL: z.string().trim().min(1, 'must name a model').default(DEFAULT_MODEL),
  LOG_LEVEL: z.enum(REQUEST_LOG_LEVELS, 'must be "info", "warn" or "error"').default('info'),
  ALLOW_PRIVATE_POOL_URLS: flag,
  RESULT_RETENTION_S: positiveInteger(86_400),
  RESULT_URL_TTL_S: positiveInteger(3_600),
  JOB_CLAIM_LEASE_MS: positiveInteger(15_000),
  JOB_WATCHDOG_MS: positiveInteger(30_000),
  JOB_DEFAULT_DEADLINE_MS: positiveInteger(600_000),
  WEBHOOK_RETRY_BASE_MS: positiveInteger(2_000),
  ALLOW_PRIVATE_WEBHOOK_URLS: flag,
  ENVIRONMENT: z.string().trim().min(1, 'must name the deployment').optional(),
  PUBLIC_ORIGIN: z
    .string()
    .trim()
    .refine(isOrigin, 'must be an origin such as https://api.example.com (scheme, host, optional port)')
    .transform((value) => new URL(value).origin)
    .optional(),
});

/** A JSON var's text as its value (objects set in wrangler.toml arrive parsed already). */
function parseJsonText(value: unknown, context: z.RefinementCtx): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    context.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"paid":10000}' });
    return z.NEVER;
  }
}

function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value.replace(/\/$/, '');
}

/** The Worker's settings, parsed once from its vars and secrets. */
export interface EdgeConfig {
  /** Secret: the edge's private signing key (Ed25519 JWK JSON). Never log it. */
  readonly edgeSigningKey: string;
  /**
   * Secret, during a rotation only: the other edge key (`EDGE_SIGNING_KEY_PREVIOUS`, an Ed25519
   * private JWK with its own `kid`). It signs nothing; what it signed still verifies. Never log it.
   */
  readonly previousEdgeSigningKey: string | null;
  /**
   * Secrets: every edge key whose signatures still verify (result URLs, webhook signatures):
   * {@link edgeSigningKey} first, then {@link previousEdgeSigningKey} when set.
   */
  readonly edgeSigningKeys: readonly string[];
  /**
   * Secret: what providers' API keys are sealed under (`PROVIDER_CREDENTIALS_KEY`, else the edge's
   * signing key, so a fresh setup needs no second secret). Never log it.
   */
  readonly credentialsKey: string;
  /**
   * Secrets a sealed credential is opened with, in order: {@link credentialsKey}, then the edge
   * keys, so neither a signing-key rotation nor setting `PROVIDER_CREDENTIALS_KEY` later orphans
   * what was sealed under the signing key before.
   */
  readonly credentialsKeys: readonly string[];
  /** The model of a request that names none. */
  readonly defaultModel: string;
  /**
   * The least level of a request's log line that is written (`LOG_LEVEL`): `info` logs every
   * generation and job, `warn` only those refused or failed. Stats and data points are kept either way.
   */
  readonly logLevel: RequestLogLevel;
  /** What routing needs: how fresh telemetry must be, and the job time of a pool with none. */
  readonly routing: RoutingPolicy;
  /** Local development only: operators may register pools on private addresses. */
  readonly allowPrivatePoolUrls: boolean;
  /** Async jobs, results and webhooks. */
  readonly jobs: JobSettings;
  /** Admission by tenant and tier (`worker/admission/`). */
  readonly admission: AdmissionSettings;
  /** Deployment name such as `"production"`; null in local development and tests. */
  readonly environment: string | null;
  /**
   * Where clients reach the edge: job status URLs, result URLs and the document's server are built
   * on it, never on the request's `Host`. Required in a deployment; in local development (no
   * `ENVIRONMENT`) the request's own origin stands in when it is unset.
   */
  readonly publicOrigin: string | null;
}

/** Job, result and webhook timings. */
export interface JobSettings {
  /** How long a finished job and its images are kept. */
  readonly resultRetentionMs: number;
  /** Lifetime of a signed result URL (never past the retention). */
  readonly resultUrlTtlSeconds: number;
  /** A consumer renews its claim within this; an unrenewed claim is presumed dead. */
  readonly claimLeaseMs: number;
  /** A queued job nobody claimed within this after its message was due is enqueued again. */
  readonly watchdogMs: number;
  /** Deadline of a job whose request sets no `deadline_ms`. */
  readonly defaultDeadlineMs: number;
  readonly webhookRetryBaseMs: number;
  /** Most webhook deliveries tried per job. */
  readonly webhookMaxAttempts: number;
  readonly webhookMaxDelayMs: number;
  /** Local development only: webhooks may target loopback and private hosts over http. */
  readonly allowPrivateWebhooks: boolean;
}

/** A var or secret the Worker cannot run with; the message names each one and never shows a secret. */
export class EdgeConfigError extends Error {
  override readonly name = 'EdgeConfigError';
}

/**
 * Parses every var and secret the Worker reads, with its default, once. A malformed value is an
 * {@link EdgeConfigError} naming the variable, never a silent NaN or fallback.
 *
 * @example
 * const config = parseEdgeConfig({ EDGE_SIGNING_KEY: '{"kty":"OKP"}', TELEMETRY_TTL_MS: '3000' });
 * config.routing.telemetryTtlMs; // 3000
 */
export function parseEdgeConfig(vars: object): EdgeConfig {
  const parsed = varsSchema.safeParse(vars);
  if (!parsed.success) throw new EdgeConfigError(describeIssues(parsed.error, vars));
  const v = parsed.data;
  if (v.ENVIRONMENT !== undefined && v.PUBLIC_ORIGIN === undefined) {
    throw new EdgeConfigError(
      `the Worker's configuration is invalid: PUBLIC_ORIGIN is required when ENVIRONMENT is set (${v.ENVIRONMENT})`,
    );
  }
  const edgeSigningKeys = v.EDGE_SIGNING_KEY_PREVIOUS
    ? [v.EDGE_SIGNING_KEY, v.EDGE_SIGNING_KEY_PREVIOUS]
    : [v.EDGE_SIGNING_KEY];
  const credentialsKey = v.PROVIDER_CREDENTIALS_KEY ?? v.EDGE_SIGNING_KEY;
  return {
    edgeSigningKey: v.EDGE_SIGNING_KEY,
    previousEdgeSigningKey: v.EDGE_SIGNING_KEY_PREVIOUS ?? null,
    edgeSigningKeys,
    credentialsKey,
    credentialsKeys: [...new Set([credentialsKey, ...edgeSigningKeys])],
    defaultModel: v.DEFAULT_MODEL,
    logLevel: v.LOG_LEVEL,
    routing: {
      telemetryTtlMs: v.TELEMETRY_TTL_MS,
      defaultJobMs: DEFAULT_JOB_MS,
      tierObjectivesMs: v.TIER_OBJECTIVES_MS,
    },
    allowPrivatePoolUrls: v.ALLOW_PRIVATE_POOL_URLS,
    admission: { tierLimits: v.TIER_LIMITS, slowdownLimits: v.TIER_SLOWDOWN_LIMITS },
    environment: v.ENVIRONMENT ?? null,
    publicOrigin: v.PUBLIC_ORIGIN ?? null,
    jobs: {
      resultRetentionMs: v.RESULT_RETENTION_S * 1_000,
      resultUrlTtlSeconds: v.RESULT_URL_TTL_S,
      claimLeaseMs: v.JOB_CLAIM_LEASE_MS,
      watchdogMs: v.JOB_WATCHDOG_MS,
      defaultDeadlineMs: v.JOB_DEFAULT_DEADLINE_MS,
      webhookRetryBaseMs: v.WEBHOOK_RETRY_BASE_MS,
      webhookMaxAttempts: WEBHOOK_MAX_ATTEMPTS,
      webhookMaxDelayMs: WEBHOOK_MAX_DELAY_MS,
      allowPrivateWebhooks: v.ALLOW_PRIVATE_WEBHOOK_URLS,
    },
  };
}

/** Every var and secret {@link parseEdgeConfig} reads, by name. */
export const edgeVarNames: readonly string[] = Object.keys(varsSchema.shape);

const secretNames = new Set(['EDGE_SIGNING_KEY', 'EDGE_SIGNING_KEY_PREVIOUS', 'PROVIDER_CREDENTIALS_KEY']);

function describeIssues(error: z.ZodError, vars: object): string {
  const lines = error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(vars)');
    const value: unknown = Reflect.get(vars, name);
    const shown = secretNames.has(name) || value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
    return `${name} ${issue.message}${shown}`;
  });
  return `the Worker's configuration is invalid: ${lines.join('; ')}`;
}

/** The origin public URLs are built on: the configured one, or in local development the request's. */
export function publicOriginOf(config: EdgeConfig, requestUrl: string): string {
  return config.publicOrigin ?? new URL(requestUrl).origin;
}

const parsedByEnv = new WeakMap<object, EdgeConfig>();

/**
 * {@link parseEdgeConfig}, remembered per bindings object: an isolate parses its vars once, and a
 * Durable Object reads the same settings as the routes without parsing them per call.
 */
export function edgeConfigOf(env: object): EdgeConfig {
  let config = parsedByEnv.get(env);
  if (!config) {
    config = parseEdgeConfig(env);
    parsedByEnv.set(env, config);
  }
  return config;
}
