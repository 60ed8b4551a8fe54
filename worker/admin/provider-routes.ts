import { createRoute } from '@hono/zod-openapi';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { fleetRegistryOf } from '../fleet/fleet-registry-stub.ts';
import { openapiWithJsonBody } from '../middleware/read-json-body.ts';
import {
  bodyErrors,
  emptyResponse,
  errorResponses,
  jsonBody,
  jsonResponse,
  routeGroup,
  schemas,
} from '../openapi/index.ts';
import { adminOperation, idParam, notFound } from './admin-operation.ts';

const listProviders = createRoute({
  ...adminOperation,
  method: 'get',
  path: '/v1/admin/providers',
  operationId: 'listProviders',
  summary: 'List providers',
  responses: { 200: jsonResponse(schemas.providerList, 'Providers.'), ...errorResponses('operator', []) },
});

const putProvider = createRoute({
  ...adminOperation,
  method: 'post',
  path: '/v1/admin/providers',
  operationId: 'putProvider',
  summary: 'Create or replace a provider',
  request: { body: jsonBody(schemas.providerInput) },
  responses: {
    201: jsonResponse(schemas.providerRecord, 'The provider.'),
    ...errorResponses('operator', bodyErrors),
  },
});

const deleteProvider = createRoute({
  ...adminOperation,
  method: 'delete',
  path: '/v1/admin/providers/{id}',
  operationId: 'deleteProvider',
  summary: 'Delete a provider without pools',
  request: { params: idParam('Provider id.') },
  responses: {
    204: emptyResponse('Deleted.'),
    ...errorResponses('operator', ['not_found', 'resource_conflict']),
  },
});

/** Operator API: the providers pools belong to. */
export const providerRoutes = routeGroup<AppEnv>();

providerRoutes.openapi(listProviders, async (context) =>
  context.json({ data: await fleetRegistryOf(context.env).listProviders() }, 200),
);

openapiWithJsonBody(providerRoutes, putProvider, async (context) =>
  context.json(await fleetRegistryOf(context.env).putProvider(context.req.valid('json')), 201),
);

providerRoutes.openapi(deleteProvider, async (context) => {
  const result = await fleetRegistryOf(context.env).deleteProvider(context.req.valid('param').id);
  if (!result.ok && result.reason === 'has_pools') {
    throw new ApiError('resource_conflict', 'remove the provider’s pools first');
  }
  if (!result.ok) throw notFound('provider');
  return context.body(null, 204);
});
