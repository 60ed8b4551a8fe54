import { createRoute } from '@hono/zod-openapi';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { sealCredential } from '../auth/credential-sealing.ts';
import { credentialsRefRefusal } from '../auth/provider-credentials.ts';
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
  description:
    '`credentials.api_key` is write-only: sealed (AES-GCM) before it is stored, sent to the provider as ' +
    'its protocol expects, and never returned: reads show `"credentials": "set"` or `null`. Or ' +
    "`credentials_ref` names a Worker secret holding it (not one of the edge's own); not both. Either " +
    'left out keeps what is stored; `null` removes it.',
  request: { body: jsonBody(schemas.providerInput) },
  responses: {
    201: jsonResponse(schemas.providerRecord, 'The provider.'),
    ...errorResponses('operator', [...bodyErrors, 'resource_conflict']),
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

openapiWithJsonBody(providerRoutes, putProvider, async (context) => {
  const { credentials, credentials_ref: ref, ...provider } = context.req.valid('json');
  if (credentials && typeof ref === 'string') {
    throw new ApiError(
      'invalid_request',
      'give the key (credentials) or the name of the secret holding it (credentials_ref), not both',
      { param: 'credentials_ref' },
    );
  }
  const refusal = typeof ref === 'string' ? credentialsRefRefusal(ref) : null;
  if (refusal !== null) throw new ApiError('invalid_request', refusal, { param: 'credentials_ref' });
  const registry = fleetRegistryOf(context.env);
  // Sealed here, before it crosses to the registry: the key exists in the clear only in this
  // request and, later, in the isolate that sends it to the provider.
  const credentials_sealed =
    credentials === undefined
      ? undefined
      : credentials === null
        ? null
        : await sealCredential(context.var.deps.config.credentialsKey, provider.id, credentials.api_key);
  const result = await registry.putProvider({ ...provider, credentials_ref: ref, credentials_sealed });
  if (!result.ok) {
    throw new ApiError(
      'resource_conflict',
      'a provider with pools keeps its protocol: remove its pools first',
      {
        param: 'protocol',
      },
    );
  }
  await context.var.deps.fleet.refresh();
  return context.json(result.provider, 201);
});

providerRoutes.openapi(deleteProvider, async (context) => {
  const result = await fleetRegistryOf(context.env).deleteProvider(context.req.valid('param').id);
  if (!result.ok && result.reason === 'has_pools') {
    throw new ApiError('resource_conflict', 'remove the provider’s pools first');
  }
  if (!result.ok) throw notFound('provider');
  return context.body(null, 204);
});
