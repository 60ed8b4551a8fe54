import type { GenerationRequest, Priority, Tier } from '../../shared/index.ts';
import type { RoutingTenant } from '../tenants/tenant-records.ts';

const TIER_PRIORITY: Record<Tier, Priority> = { free: 'low', paid: 'normal', enterprise: 'high' };
const PRIORITY_RANK: Record<Priority, number> = { low: 0, normal: 1, high: 2 };

/**
 * The tenant's view of a request: the default model filled in, and the priority capped at the
 * tenant's tier (a client may lower its priority, never raise it).
 */
export function tenantRequest(
  request: GenerationRequest,
  tenant: RoutingTenant,
  defaultModel: string,
): GenerationRequest {
  const allowed = TIER_PRIORITY[tenant.tier];
  return {
    ...request,
    model: request.model ?? defaultModel,
    priority: PRIORITY_RANK[request.priority] <= PRIORITY_RANK[allowed] ? request.priority : allowed,
  };
}
