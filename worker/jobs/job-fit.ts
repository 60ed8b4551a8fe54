import { ApiError } from '../../shared/index.ts';
import { askedOf } from '../dispatch/asked-fit.ts';
import { type PoolView, requestMisfit, tenantRestriction } from '../routing/index.ts';
import type { RoutingTenant } from '../tenants/tenant-records.ts';

/** What a job asks of a pool: its model (resolved), size and steps. */
export interface JobAsk {
  readonly model: string;
  readonly size?: string;
  readonly steps?: number;
}

/**
 * Refuses at submission a size or step count that no pool the tenant may use serves for the
 * model, by what the pools report: the same 400 `unsupported_value` a sync request gets, now and
 * naming what is served, rather than a job accepted to fail at its first dispatch. Pools that
 * report nothing about the model (no telemetry yet, other protocols) are taken to serve it, and
 * a model no pool serves is left to dispatch (it may be on its way).
 */
export function refuseUnservedAsk(pools: readonly PoolView[], tenant: RoutingTenant, ask: JobAsk): void {
  const { asked } = askedOf(ask);
  if (asked === undefined) return;
  const allowed = { allowedProviders: tenant.allowed_providers, allowedRegions: tenant.allowed_regions };
  const servable = pools.filter(
    (pool) => pool.models.includes(ask.model) && tenantRestriction(pool, allowed) === null,
  );
  if (servable.length === 0) return;
  if (servable.some((pool) => requestMisfit(pool, { model: ask.model, asked }) === null)) return;
  const served = servable.flatMap((pool) => {
    const defaults = pool.modelDefaults?.get(ask.model);
    return defaults ? [defaults] : [];
  });
  const sizes = [...new Set(served.flatMap((defaults) => defaults.sizes ?? []))];
  if (asked.size !== undefined && sizes.length > 0 && !sizes.includes(asked.size)) {
    throw new ApiError(
      'unsupported_value',
      `size ${asked.size} is not served for ${ask.model}: one of ${sizes.join(', ')}`,
      {
        param: 'size',
      },
    );
  }
  const maxSteps = Math.max(...served.map((defaults) => defaults.maxSteps ?? 0));
  throw new ApiError('unsupported_value', `steps must be at most ${maxSteps} for ${ask.model}`, {
    param: 'steps',
  });
}
