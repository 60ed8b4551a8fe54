import type { GenerationRequest, Priority, Tier } from '../../shared/index.ts';
import type { RoutingTenant } from '../tenants/tenant-records.ts';

const TIER_PRIORITY: Record<Tier, Priority> = { free: 'low', paid: 'normal', enterprise: 'high' };
const PRIORITY_RANK: Record<Priority, number> = { low: 0, normal: 1, high: 2 };

/**
 * The tenant's view of a request: the default model filled in, the priority capped at the
 * tenant's tier (a client may lower its priority, never raise it), `size: "auto"` left out (the
 * model's default, as OpenAI means it), and the edge's own fields (`EDGE_ONLY_FIELDS`: how the
 * answer is framed, options every pool answers alike) taken off.
 */
export function tenantRequest(
  request: GenerationRequest,
  tenant: RoutingTenant,
  defaultModel: string,
): GenerationRequest {
  const allowed = TIER_PRIORITY[tenant.tier];
  const {
    stream: _stream,
    partial_images: _partialImages,
    background: _background,
    moderation: _moderation,
    output_compression: _outputCompression,
    size,
    ...rest
  } = request;
  return {
    ...rest,
    ...(size === undefined || size === 'auto' ? {} : { size }),
    model: request.model ?? defaultModel,
    priority: PRIORITY_RANK[request.priority] <= PRIORITY_RANK[allowed] ? request.priority : allowed,
  };
}
