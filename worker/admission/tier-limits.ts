import type { TenantLimitOverrides, TenantLimits, Tier } from '../../shared/index.ts';

/**
 * Each tier's limits unless `TIER_LIMITS` says otherwise: free tenants get a taste, paid ones room
 * for a production app, enterprise ones room for a launch. Operators override them per tier
 * (`TIER_LIMITS`) and per tenant (`PUT /v1/admin/tenants/{id}/limits`).
 */
export const DEFAULT_TIER_LIMITS: Readonly<Record<Tier, TenantLimits>> = {
  free: { requests_per_minute: 60, images_per_minute: 120, concurrent_generations: 4 },
  paid: { requests_per_minute: 6_000, images_per_minute: 24_000, concurrent_generations: 128 },
  enterprise: { requests_per_minute: 120_000, images_per_minute: 480_000, concurrent_generations: 2_048 },
};

/** No overrides: the tier's defaults apply. */
export const NO_OVERRIDES: TenantLimitOverrides = {
  requests_per_minute: null,
  images_per_minute: null,
  concurrent_generations: null,
};

/** What applies: each override, else the tier's default. */
export function effectiveLimits(defaults: TenantLimits, overrides: TenantLimitOverrides): TenantLimits {
  return {
    requests_per_minute: overrides.requests_per_minute ?? defaults.requests_per_minute,
    images_per_minute: overrides.images_per_minute ?? defaults.images_per_minute,
    concurrent_generations: overrides.concurrent_generations ?? defaults.concurrent_generations,
  };
}
