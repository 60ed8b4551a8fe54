import { z } from 'zod';
import { type TenantLimits, type Tier, tenantLimitsSchema, tiers } from '../../shared/index.ts';
import { DEFAULT_TIER_LIMITS } from './tier-limits.ts';

/** Admission settings from the Worker's vars. */
export interface AdmissionSettings {
  /** Each tier's default limits (`TIER_LIMITS` over `DEFAULT_TIER_LIMITS`). */
  readonly tierLimits: Readonly<Record<Tier, TenantLimits>>;
  /** Each tier's largest admitted predicted slowdown (`TIER_SLOWDOWN_LIMITS`); absent: deadline only. */
  readonly slowdownLimits: Readonly<Partial<Record<Tier, number>>>;
}

/** `TIER_LIMITS`: per tier, the limits that differ from `DEFAULT_TIER_LIMITS`. */
export const tierLimitsVarSchema = z.strictObject(
  {
    free: tenantLimitsSchema.partial().optional(),
    paid: tenantLimitsSchema.partial().optional(),
    enterprise: tenantLimitsSchema.partial().optional(),
  },
  'must be a JSON object of tiers to limits, e.g. {"free":{"requests_per_minute":30}}',
);

/** The defaults with the var's changes applied. */
export function tierLimitsOf(overrides: z.infer<typeof tierLimitsVarSchema>): Record<Tier, TenantLimits> {
  const entries = tiers.map((tier) => [tier, { ...DEFAULT_TIER_LIMITS[tier], ...overrides[tier] }] as const);
  return Object.fromEntries(entries) as Record<Tier, TenantLimits>;
}
