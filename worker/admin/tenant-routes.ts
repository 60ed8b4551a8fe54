import { createRoute } from '@hono/zod-openapi';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { fetchKeySet, KeysUnavailableError } from '../auth/remote-jwks.ts';
import { openapiWithJsonBody } from '../middleware/read-json-body.ts';
import { checkOutboundUrl } from '../net/index.ts';
import {
  bodyErrors,
  emptyResponse,
  errorResponses,
  jsonBody,
  jsonResponse,
  routeGroup,
  schemas,
} from '../openapi/index.ts';
import { tenantDirectoryOf } from '../tenants/tenant-directory-stub.ts';
import { adminOperation, idParam, notFound, recordOrNotFound } from './admin-operation.ts';

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

const tenantId = idParam('Tenant id.');

const getTenant = createRoute({
  ...adminOperation,
  method: 'get',
  path: '/v1/admin/tenants/{id}',
  operationId: 'getTenant',
  summary: 'Read a tenant',
  request: { params: tenantId },
  responses: recordOrNotFound(schemas.tenantRecord, 'The tenant.'),
});

const deleteTenant = createRoute({
  ...adminOperation,
  method: 'delete',
  path: '/v1/admin/tenants/{id}',
  operationId: 'deleteTenant',
  summary: 'Delete a tenant: its API keys and app tokens stop working; jobs it already submitted finish',
  description:
    'Every API key of the tenant is revoked and its app-token issuer is released at once; other ' +
    'edge locations may accept a key they checked in the last 5 s. The id is not reused: posting ' +
    'it again is 409. Jobs the tenant submitted before run to their end and their webhooks are delivered.',
  request: { params: tenantId },
  responses: { 204: emptyResponse('Deleted.'), ...errorResponses('operator', ['not_found']) },
});

/** Operator API: tenants, their tiers, limits and app-token issuers. */
export const tenantRoutes = routeGroup<AppEnv>();

tenantRoutes.openapi(listTenants, async (context) =>
  context.json({ data: await tenantDirectoryOf(context.env).listTenants() }, 200),
);

tenantRoutes.openapi(getTenant, async (context) => {
  const tenant = await tenantDirectoryOf(context.env).getTenant(context.req.valid('param').id);
  if (!tenant) throw notFound('tenant');
  return context.json(tenant, 200);
});

tenantRoutes.openapi(deleteTenant, async (context) => {
  const { id } = context.req.valid('param');
  const result = await tenantDirectoryOf(context.env).deleteTenant(id, context.var.deps.now());
  if (!result.ok) throw notFound('tenant');
  context.var.deps.authenticator.forget();
  return context.body(null, 204);
});

openapiWithJsonBody(tenantRoutes, putTenant, async (context) => {
  const input = context.req.valid('json');
  const jwksUri = input.app_tokens?.jwks_uri;
  if (jwksUri !== undefined) await checkJwksUri(jwksUri, context.var.deps.config.allowPrivatePoolUrls);
  const result = await tenantDirectoryOf(context.env).putTenant(input);
  if (!result.ok && result.reason === 'missing_field') {
    throw new ApiError('invalid_request', `${result.field}: required for a new tenant`, {
      param: result.field,
    });
  }
  if (!result.ok && result.reason === 'deleted') {
    throw new ApiError('resource_conflict', `tenant ${input.id} was deleted; ids are not reused`, {
      param: 'id',
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

/**
 * A `jwks_uri` is refused unless the edge may call it (the outbound policy of pool URLs, https
 * outside local development) and it answers a key set the edge can verify with: a typo is found
 * now, not when every app user is refused.
 */
async function checkJwksUri(url: string, allowPrivate: boolean): Promise<void> {
  const param = 'app_tokens.jwks_uri';
  const check = checkOutboundUrl(url, { allowPrivate, requireHttps: !allowPrivate });
  if (!check.ok) {
    throw new ApiError(
      'invalid_request',
      `${param}: the edge does not call this URL (${check.refusal.reason})`,
      {
        param,
      },
    );
  }
  try {
    await fetchKeySet(check.url.href, (input, init) => fetch(input, init));
  } catch (error) {
    const why = error instanceof KeysUnavailableError ? error.message : 'it could not be read';
    throw new ApiError('invalid_request', `${param}: no usable key set there: ${why}`, { param });
  }
}
