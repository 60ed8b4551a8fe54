import { z } from 'zod';
import { poolInputSchema, providerInputSchema, tenantSettingsSchema } from './fleet-admin.ts';
import { telemetryReportSchema } from './telemetry-report.ts';

/** Unix epoch milliseconds. */
const epochMsSchema = z.number().int().describe('Unix epoch milliseconds.');

/** A registered provider, as the admin API returns it: its credentials only as set or not. */
export const providerRecordSchema = providerInputSchema.omit({ credentials: true }).extend({
  credentials: z
    .enum(['set'])
    .nullable()
    .describe('"set" when the edge holds an API key for this provider, else null; never the key.'),
  created_at: epochMsSchema,
});

/** A registered pool, with the operator's switches. */
export const poolRecordSchema = poolInputSchema.extend({
  enabled: z.boolean().describe("Operator's switch; a disabled pool gets no work."),
  draining: z.boolean().describe('Set by `POST /v1/admin/pools/:id/drain`: the pool gets no new work.'),
  created_at: epochMsSchema,
  updated_at: epochMsSchema,
});

/** Pool health words, most deliberate first: why routing would pass the pool over, or `healthy`. */
export const poolHealthValues = [
  'healthy',
  'not_ready',
  'stale',
  'suspect',
  'ejected',
  'draining',
  'disabled',
] as const;

/** A pool's health as `GET /v1/admin/pools` reports it. */
export const poolHealthSchema = z
  .enum(poolHealthValues)
  .describe(
    'Why routing would pass the pool over, or `healthy`: `disabled` (operator switch), `draining` ' +
      '(drained, or the pool says so), `ejected` (the answering edge isolate saw it refuse or fail), ' +
      '`suspect` (an isolate reported it, or it asked for a back-off), `stale` (no telemetry within ' +
      '`TELEMETRY_TTL_MS`, or none yet), `not_ready` (its latest telemetry or probe says it is not ' +
      'ready: a provider failing its readiness check). Absent from edges older than this field: derive ' +
      '`stale` from `telemetry_received_at`. Read unknown words as not healthy: more may be added.',
  );

/** A pool in `GET /v1/admin/pools`: the record plus its latest accepted telemetry and health. */
export const poolListingSchema = poolRecordSchema.extend({
  telemetry: telemetryReportSchema.nullable(),
  telemetry_received_at: epochMsSchema.nullable(),
  health: poolHealthSchema.optional(),
});

/** A registered tenant. */
export const tenantRecordSchema = tenantSettingsSchema.extend({ created_at: epochMsSchema });

/** An API key as the admin API lists it: never the key, never its digest. */
export const publicApiKeySchema = z.object({
  id: z.string(),
  tenant_id: z.string(),
  name: z.string(),
  prefix: z.string().describe('First characters of the key (e.g. `sk_live_AbC1`), to recognise it.'),
  created_at: epochMsSchema,
  revoked_at: epochMsSchema.nullable(),
});

/** `POST /v1/admin/keys`: the only response that ever contains the key. */
export const mintedApiKeySchema = z.object({
  id: z.string(),
  key: z.string().describe('The API key; shown only in this response.'),
  prefix: z.string(),
  tenant_id: z.string(),
  created_at: epochMsSchema,
});

/** `POST /v1/admin/tokens`. */
export const mintedOperatorTokenSchema = z.object({
  token: z.string().describe('The operator JWT; shown only in this response.'),
  jti: z.string().describe('Its id: `DELETE /v1/admin/tokens/{jti}` revokes it.'),
  subject: z.string(),
  expires_at: z.number().int().describe('Unix seconds.'),
});

/** One model, in OpenAI's shape: `GET /v1/models/{model}`, and each entry of the list. */
export const modelSchema = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number().int(),
  owned_by: z.string(),
});

/** `GET /v1/models`, in OpenAI's list shape. */
export const modelListSchema = z.object({
  object: z.literal('list'),
  data: z.array(modelSchema),
});

const whsecSchema = z
  .string()
  .regex(/^whsec_/)
  .describe('Standard Webhooks secret: `whsec_` + base64 key.');

/** `GET /v1/webhooks/secret` and `POST /v1/webhooks/secret/rotate`. */
export const webhookSecretSchema = z.object({
  key: whsecSchema.describe('The current secret: deliveries are signed with it first.'),
  previous_keys: z
    .array(z.object({ key: whsecSchema, expires_at: z.number().int().describe('Unix seconds.') }))
    .describe('Secrets a rotation replaced, still signing deliveries until `expires_at`.'),
});

/** Longest overlap a webhook secret rotation may keep the old secret valid for. */
export const MAX_WEBHOOK_ROTATION_OVERLAP_S = 7 * 24 * 3600;

/** `POST /v1/webhooks/secret/rotate`. */
export const webhookRotationSchema = z.strictObject({
  overlap_seconds: z
    .number()
    .int()
    .min(0)
    .max(MAX_WEBHOOK_ROTATION_OVERLAP_S)
    .default(24 * 3600)
    .describe('How long the replaced secret keeps signing deliveries (default one day).'),
});

/** `GET /healthz`. */
export const healthSchema = z.object({ status: z.literal('ok') });

/** `{ data: [...] }`, the admin API's list envelope. */
export function listOf<Item extends z.ZodType>(item: Item) {
  return z.object({ data: z.array(item) });
}

/** A registered provider. */
export type ProviderRecord = z.infer<typeof providerRecordSchema>;
/** A pool's health word. */
export type PoolHealth = z.infer<typeof poolHealthSchema>;
/** A registered pool. */
export type PoolRecord = z.infer<typeof poolRecordSchema>;
/** A registered tenant. */
export type TenantRecord = z.infer<typeof tenantRecordSchema>;
/** A listed API key. */
export type PublicApiKey = z.infer<typeof publicApiKeySchema>;
/** A freshly minted API key. */
export type MintedApiKey = z.infer<typeof mintedApiKeySchema>;
/** The model list. */
export type ModelList = z.infer<typeof modelListSchema>;
/** One servable model (OpenAI shape). */
export type Model = z.infer<typeof modelSchema>;
