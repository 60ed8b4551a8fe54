import { createRoute } from '@hono/zod-openapi';
import type { ModelList } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { poolViewsOf } from '../fleet/pool-views.ts';
import { access } from '../middleware/access.ts';
import { errorResponses, jsonResponse, routeGroup, schemas } from '../openapi/index.ts';
import { eligiblePools, noObservations } from '../routing/index.ts';

const listModels = createRoute({
  method: 'get',
  path: '/v1/models',
  operationId: 'listModels',
  tags: ['Images'],
  summary: 'Models some pool can serve now (OpenAI list shape)',
  ...access('tenant'),
  responses: {
    200: jsonResponse(schemas.modelList, 'The servable models.'),
    ...errorResponses('tenant', []),
  },
});

/** `GET /v1/models`: the models some pool can serve now, in OpenAI's list shape. */
export const modelRoutes = routeGroup<AppEnv>().openapi(listModels, async (context) => {
  const principal = context.get('principal');
  const { deps } = context.var;
  const snapshot = await deps.fleet.get((promise) => context.executionCtx.waitUntil(promise));
  const pools = poolViewsOf(snapshot);
  const now = deps.now();
  const policy = deps.config.routing;
  const tenant = principal.kind === 'tenant' ? principal.tenant : null;
  const names = new Set(pools.flatMap((pool) => pool.models));
  const servable = [...names].filter(
    (model) =>
      eligiblePools(
        pools,
        {
          model,
          images: 1,
          allowedProviders: tenant?.allowed_providers ?? [],
          allowedRegions: tenant?.allowed_regions ?? [],
        },
        noObservations,
        policy,
        now,
      ).length > 0,
  );
  const list: ModelList = {
    object: 'list',
    data: servable.sort().map((id) => ({ id, object: 'model', created: 0, owned_by: 'spillway' })),
  };
  return context.json(list, 200);
});
