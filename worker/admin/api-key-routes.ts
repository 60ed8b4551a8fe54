import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { ApiError, resourceIdSchema } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { generateApiKey } from '../auth/index.ts';
import { openapiWithJsonBody } from '../middleware/read-json-body.ts';
import {
  bodyErrors,
  emptyResponse,
  errorResponses,
  jsonBody,
  jsonResponse,
  refuseWith,
  routeGroup,
  schemas,
} from '../openapi/index.ts';
import { publicApiKey } from '../tenants/public-api-key.ts';
import { tenantDirectoryOf } from '../tenants/tenant-directory-stub.ts';
import { adminOperation, idParam, notFound } from './admin-operation.ts';

const listApiKeys = createRoute({
  ...adminOperation,
  method: 'get',
  path: '/v1/admin/keys',
  operationId: 'listApiKeys',
  summary: 'List a tenant’s API keys (never the keys themselves)',
  request: { query: z.object({ tenant_id: resourceIdSchema.describe('Tenant id.') }) },
  responses: {
    200: jsonResponse(schemas.apiKeyList, 'Keys.'),
    ...errorResponses('operator', ['invalid_request']),
  },
});

const mintApiKey = createRoute({
  ...adminOperation,
  method: 'post',
  path: '/v1/admin/keys',
  operationId: 'mintApiKey',
  summary: 'Mint an API key for a tenant',
  request: { body: jsonBody(schemas.apiKeyInput) },
  responses: {
    201: jsonResponse(schemas.mintedApiKey, 'The key, shown once.'),
    ...errorResponses('operator', bodyErrors),
  },
});

const revokeApiKey = createRoute({
  ...adminOperation,
  method: 'delete',
  path: '/v1/admin/keys/{id}',
  operationId: 'revokeApiKey',
  summary: 'Revoke an API key',
  request: { params: idParam('Key id.') },
  responses: { 204: emptyResponse('Revoked.'), ...errorResponses('operator', ['not_found']) },
});

/** Operator API: tenants' API keys (mint, list, revoke). */
export const apiKeyRoutes = routeGroup<AppEnv>();

apiKeyRoutes.openapi(
  listApiKeys,
  async (context) => {
    const keys = await tenantDirectoryOf(context.env).listApiKeys(context.req.valid('query').tenant_id);
    return context.json({ data: keys.map(publicApiKey) }, 200);
  },
  refuseWith(
    () =>
      new ApiError(
        'invalid_request',
        'the tenant_id query parameter is required, and is a tenant id (1-63 of [a-z0-9_.-])',
        { param: 'tenant_id' },
      ),
  ),
);

openapiWithJsonBody(apiKeyRoutes, mintApiKey, async (context) => {
  const input = context.req.valid('json');
  const generated = await generateApiKey();
  const created_at = context.var.deps.now();
  const stored = await tenantDirectoryOf(context.env).storeApiKey({
    id: generated.id,
    tenant_id: input.tenant_id,
    name: input.name,
    prefix: generated.prefix,
    hash: generated.hash,
    created_at,
  });
  if (!stored.ok)
    throw new ApiError('invalid_request', `unknown tenant ${input.tenant_id}`, { param: 'tenant_id' });
  // The only time the key is ever shown.
  const minted = {
    id: generated.id,
    key: generated.key,
    prefix: generated.prefix,
    tenant_id: input.tenant_id,
  };
  return context.json({ ...minted, created_at }, 201);
});

apiKeyRoutes.openapi(revokeApiKey, async (context) => {
  const { deps } = context.var;
  const result = await tenantDirectoryOf(context.env).revokeApiKey(context.req.valid('param').id, deps.now());
  if (!result.ok) throw notFound('key');
  deps.authenticator.forget();
  return context.body(null, 204);
});
