import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { TenantLimitOverrides, TenantLimitsRecord } from '../../shared/index.ts';
import { effectiveLimits } from '../admission/tier-limits.ts';
import type { AppEnv } from '../app-env.ts';
import { openapiWithJsonBody } from '../middleware/read-json-body.ts';
import { bodyErrors, errorResponses, jsonBody, jsonResponse, routeGroup, schemas } from '../openapi/index.ts';
import { tenantDirectoryOf } from '../tenants/tenant-directory-stub.ts';
import { adminOperation, idParam, notFound } from './admin-operation.ts';

const tenantId = idParam('Tenant id.');

const getTenantLimits = createRoute({
  ...adminOperation,
  method: 'get',
  path: '/v1/admin/tenants/{id}/limits',
  operationId: 'getTenantLimits',
  summary: "A tenant's admission limits: what applies, and its overrides of the tier's defaults",
  request: { params: tenantId },
  responses: {
    200: jsonResponse(schemas.tenantLimitsRecord, 'The limits.'),
    ...errorResponses('operator', ['not_found']),
  },
});

const putTenantLimits = createRoute({
  ...adminOperation,
  method: 'put',
  path: '/v1/admin/tenants/{id}/limits',
  operationId: 'putTenantLimits',
  summary: "Override a tenant's limits (a field left out stays; null goes back to the tier's default)",
  description:
    'Takes effect on the tenant’s next request in the edge isolate that took the change and within a second in every other, in every location; what the tenant used this minute stays used (in requests and images).',
  request: { params: tenantId, body: jsonBody(schemas.tenantLimitsInput) },
  responses: {
    200: jsonResponse(schemas.tenantLimitsRecord, 'The limits now.'),
    ...errorResponses('operator', [...bodyErrors, 'not_found']),
  },
});

/** Operator API: per-tenant overrides of the tier limits admission enforces (`worker/admission/`). */
export const tenantLimitRoutes = routeGroup<AppEnv>();

tenantLimitRoutes.openapi(getTenantLimits, async (context) => {
  const { id } = context.req.valid('param');
  const tier = await tierOf(context, id);
  const overrides = await context.env.LIMITS.getByName(`tenant:${id}`).overrides();
  return context.json(limitsRecord(context, id, tier, overrides), 200);
});

openapiWithJsonBody(tenantLimitRoutes, putTenantLimits, async (context) => {
  const { id } = context.req.valid('param');
  const tier = await tierOf(context, id);
  const overrides = await context.env.LIMITS.getByName(`tenant:${id}`).setOverrides(
    context.req.valid('json'),
  );
  // This isolate's first line and permit blocks hold the old limits: its next request asks the limiter.
  context.var.deps.admission.forget(id);
  return context.json(limitsRecord(context, id, tier, overrides), 200);
});

async function tierOf(context: Context<AppEnv>, id: string): Promise<TenantLimitsRecord['tier']> {
  const tenant = await tenantDirectoryOf(context.env).getTenant(id);
  if (!tenant) throw notFound('tenant');
  return tenant.tier;
}

function limitsRecord(
  context: Context<AppEnv>,
  id: string,
  tier: TenantLimitsRecord['tier'],
  overrides: TenantLimitOverrides,
): TenantLimitsRecord {
  const defaults = context.var.deps.config.admission.tierLimits[tier];
  return { tenant_id: id, tier, limits: effectiveLimits(defaults, overrides), overrides };
}
