import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError, type Model, type ModelList } from '../../shared/index.ts';
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

const retrieveModel = createRoute({
  method: 'get',
  path: '/v1/models/{model}',
  operationId: 'retrieveModel',
  tags: ['Images'],
  summary: 'One model, if some pool can serve it now (OpenAI shape)',
  description:
    'A model no pool may serve this tenant now is answered as an unknown one: 404 `model_not_found`.',
  ...access('tenant'),
  request: { params: z.object({ model: z.string().min(1).max(128) }) },
  responses: {
    200: jsonResponse(schemas.model, 'The model.'),
    ...errorResponses('tenant', ['model_not_found']),
  },
});

/**
 * `GET /v1/models` and `GET /v1/models/{model}`: the models some pool can serve the tenant now,
 * in OpenAI's shapes (the official SDKs' `models.list()` and `models.retrieve()`).
 */
export const modelRoutes = routeGroup<AppEnv>()
  .openapi(listModels, async (context) => {
    const servable = await servableModels(context);
    const list: ModelList = { object: 'list', data: servable.sort().map(modelOf) };
    return context.json(list, 200);
  })
  .openapi(retrieveModel, async (context) => {
    const { model } = context.req.valid('param');
    if (!(await servableModels(context, model)).includes(model)) {
      throw new ApiError('model_not_found', `no pool serves model ${model}`, { param: 'model' });
    }
    return context.json(modelOf(model), 200);
  });

function modelOf(id: string): Model {
  return { id, object: 'model', created: 0, owned_by: 'spillway' };
}

/**
 * The models a pool the caller may use can serve now (`only`: just that one, if so). A model only
 * pools of providers the tenant may not use serve is not among them, as if it did not exist.
 */
async function servableModels(context: Context<AppEnv>, only?: string): Promise<string[]> {
  const principal = context.get('principal');
  const { deps } = context.var;
  const snapshot = await deps.fleet.get((promise) => context.executionCtx.waitUntil(promise));
  const pools = poolViewsOf(snapshot);
  const now = deps.now();
  const policy = deps.config.routing;
  const tenant = principal.kind === 'tenant' ? principal.tenant : null;
  const names = new Set(pools.flatMap((pool) => pool.models));
  const asked = only === undefined ? [...names] : names.has(only) ? [only] : [];
  return asked.filter(
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
}
