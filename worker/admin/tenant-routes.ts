import { createRoute } from '@hono/zod-openapi';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { openapiWithJsonBody } from '../middleware/read-json-body.ts';
import { bodyErrors, errorResponses, jsonBody, jsonResponse, routeGroup, schemas } from '../openapi/index.ts';
import { tenantDirectoryOf } from '../tenants/tenant-directory-stub.ts';
import { adminOperation } from './admin-operation.ts';

const listTenants = createRoute({
  ...adminOperation,
  method: 'get',
  path: '/v1/admin/tenants',
  operationId: 'listTenants',
  summary: 'List tenants',
  responses: { 200: jsonResponse(schemas.tenantList, 'Tenants.'), ...errorResponses('operator', []) },
});

const putTenant = createRoute({
  ...adminOperation,
  method: 'post',
  path: '/v1/admin/tenants',
  operationId: 'putTenant',
  summary: 'Create a tenant, or update one (fields left out keep their values)',
  request: { body: jsonBody(schemas.tenantInput) },
  responses: {
    201: jsonResponse(schemas.tenantRecord, 'The tenant.'),
    ...errorResponses('operator', [...bodyErrors, 'resource_conflict']),
  },
});

/** Operator API: tenants, their tiers, limits and app-token issuers. */
export const tenantRoutes = routeGroup<AppEnv>();

tenantRoutes.openapi(listTenants, async (context) =>
  context.json({ data: await tenantDirectoryOf(context.env).listTenants() }, 200),
);

openapiWithJsonBody(tenantRoutes, putTenant, async (context) => {
  const result = await tenantDirectoryOf(context.env).putTenant(context.req.valid('json'));
  if (!result.ok && result.reason === 'missing_field') {
    throw new ApiError('invalid_request', `${result.field}: required for a new tenant`, {
      param: result.field,
    });
  }
  if (!result.ok) {
    throw new ApiError('resource_conflict', 'another tenant already uses this app token issuer', {
      param: 'app_tokens.issuer',
    });
  }
  // This isolate's cached issuer answer would let removed app tokens in for up to 5 s more.
  context.var.deps.authenticator.forget();
  return context.json(result.tenant, 201);
});
