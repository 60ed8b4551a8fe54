import { ApiError } from '../../shared/index.ts';
import { askedOf, unservedAsk } from '../dispatch/asked-fit.ts';
import { type PoolView, tenantRestriction } from '../routing/index.ts';
import type { RoutingTenant } from '../tenants/tenant-records.ts';

/** What a job asks of a pool: its model (resolved), size and steps. */
export interface JobAsk {
  readonly model: string;
  readonly size?: string;
  readonly steps?: number;
}

/**
 * Refuses at submission a size or step count that no pool the tenant may use serves for the
 * model, by what the pools report (`unservedAsk`): the same 400 `unsupported_value` a sync
 * request gets, now and naming what is served, rather than a job accepted to wait for a pool
 * that would refuse it. Stale pools are judged on their last report; a pool that never reported
 * is left out while another did; pools of other protocols, which report no ranges, are taken to
 * serve it; and a model no pool ever reported on is left to dispatch (it may be on its way).
 */
export function refuseUnservedAsk(pools: readonly PoolView[], tenant: RoutingTenant, ask: JobAsk): void {
  const allowed = { allowedProviders: tenant.allowed_providers, allowedRegions: tenant.allowed_regions };
  const servable = (pool: PoolView) =>
    pool.models.includes(ask.model) && tenantRestriction(pool, allowed) === null;
  const unserved = unservedAsk(pools, servable, { model: ask.model, ...askedOf(ask) });
  if (unserved) throw new ApiError('unsupported_value', unserved.message, { param: unserved.param });
}
