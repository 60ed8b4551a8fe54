import { z } from 'zod';
import { tiers } from './fleet-admin.ts';

/** Largest limit an operator may set on any one figure. */
const MAX_LIMIT = 1_000_000;

const limit = z.number().int().positive().max(MAX_LIMIT);

/**
 * A tenant's admission limits: what it may start per minute and at once. Enforced by the edge
 * per tenant (`worker/admission/`); over one, the request is answered 429 with `Retry-After` and
 * `RateLimit-Policy` / `RateLimit` headers.
 */
export const tenantLimitsSchema = z.object({
  requests_per_minute: limit.describe('Generation requests (sync and async) accepted per minute.'),
  images_per_minute: limit.describe('Images (`n` summed) accepted per minute.'),
  concurrent_generations: limit.describe('Sync generations in flight at once.'),
});

/** A tenant's effective limits. */
export type TenantLimits = z.infer<typeof tenantLimitsSchema>;

/**
 * `PUT /v1/admin/tenants/{id}/limits`: overrides of the tier's defaults for one tenant. A field
 * left out keeps its current override; `null` removes it (back to the tier's default).
 */
export const tenantLimitsInputSchema = z.strictObject({
  requests_per_minute: limit.nullable().optional(),
  images_per_minute: limit.nullable().optional(),
  concurrent_generations: limit.nullable().optional(),
});

/** Parsed limits overrides input. */
export type TenantLimitsInput = z.infer<typeof tenantLimitsInputSchema>;

/** A tenant's overrides as stored: null where the tier's default applies. */
export const tenantLimitOverridesSchema = z.object({
  requests_per_minute: limit.nullable(),
  images_per_minute: limit.nullable(),
  concurrent_generations: limit.nullable(),
});

/** Stored overrides. */
export type TenantLimitOverrides = z.infer<typeof tenantLimitOverridesSchema>;

/** `GET|PUT /v1/admin/tenants/{id}/limits`: what applies to the tenant, and why. */
export const tenantLimitsRecordSchema = z.object({
  tenant_id: z.string(),
  tier: z.enum(tiers),
  /** What the edge enforces: each override, else the tier's default. */
  limits: tenantLimitsSchema,
  overrides: tenantLimitOverridesSchema,
});

/** Limits as the admin API shows them. */
export type TenantLimitsRecord = z.infer<typeof tenantLimitsRecordSchema>;
