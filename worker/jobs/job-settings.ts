import { z } from 'zod';
import type { Env } from '../env.ts';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().catch(fallback);

const settingsSchema = z.object({
  RESULT_RETENTION_S: positiveInt(86_400),
  RESULT_URL_TTL_S: positiveInt(3_600),
  JOB_CLAIM_LEASE_MS: positiveInt(15_000),
  JOB_WATCHDOG_MS: positiveInt(30_000),
  JOB_DEFAULT_DEADLINE_MS: positiveInt(600_000),
  WEBHOOK_RETRY_BASE_MS: positiveInt(2_000),
  ALLOW_PRIVATE_WEBHOOK_URLS: z.string().optional(),
});

/** Job, result and webhook timings, from Worker vars (see `wrangler.toml`). */
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
  /** `"true"` only in local development: webhooks may target loopback and private hosts over http. */
  readonly allowPrivateWebhooks: boolean;
}

/** Parses the job settings from the Worker's vars; a malformed var falls back to its default. */
export function jobSettings(env: Env): JobSettings {
  const vars = settingsSchema.parse(env);
  return {
    resultRetentionMs: vars.RESULT_RETENTION_S * 1_000,
    resultUrlTtlSeconds: vars.RESULT_URL_TTL_S,
    claimLeaseMs: vars.JOB_CLAIM_LEASE_MS,
    watchdogMs: vars.JOB_WATCHDOG_MS,
    defaultDeadlineMs: vars.JOB_DEFAULT_DEADLINE_MS,
    webhookRetryBaseMs: vars.WEBHOOK_RETRY_BASE_MS,
    webhookMaxAttempts: 8,
    webhookMaxDelayMs: 600_000,
    allowPrivateWebhooks: vars.ALLOW_PRIVATE_WEBHOOK_URLS === 'true',
  };
}
