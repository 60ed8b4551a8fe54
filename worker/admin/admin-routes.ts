import { type Context, Hono } from 'hono';
import {
  ApiError,
  apiKeyInputSchema,
  poolInputSchema,
  providerInputSchema,
  resourceIdSchema,
  tenantInputSchema,
} from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { generateApiKey } from '../auth/index.ts';
import { fleetRegistryOf } from '../fleet/fleet-registry-stub.ts';
import { requireOperator } from '../middleware/authenticate.ts';
import { readJsonBody } from '../middleware/read-json-body.ts';
import { publicApiKey } from '../tenants/public-api-key.ts';
import { tenantDirectoryOf } from '../tenants/tenant-directory-stub.ts';
import { poolAnswers, poolUrlProblem } from './pool-url.ts';

const fleet = fleetRegistryOf;
const tenants = tenantDirectoryOf;
const notFound = (what: string) => new ApiError('not_found', `${what} not found`);

/** The operator API under `/v1/admin/`: providers, pools (and drain), tenants, API keys. */
export const adminRoutes = new Hono<AppEnv>();
adminRoutes.use('/v1/admin/*', requireOperator);

adminRoutes.get('/v1/admin/providers', async (context) =>
  context.json({ data: await fleet(context.env).listProviders() }),
);
adminRoutes.post('/v1/admin/providers', async (context) => {
  const input = await readJsonBody(context, providerInputSchema);
  return context.json(await fleet(context.env).putProvider(input), 201);
});
adminRoutes.delete('/v1/admin/providers/:id', async (context) => {
  const result = await fleet(context.env).deleteProvider(context.req.param('id'));
  if (!result.ok && result.reason === 'has_pools') {
    throw new ApiError('resource_conflict', 'remove the provider’s pools first');
  }
  if (!result.ok) throw notFound('provider');
  return context.body(null, 204);
});

adminRoutes.get('/v1/admin/pools', async (context) => {
  const snapshot = await fleet(context.env).snapshot();
  // Operators see each pool with the telemetry routing sees, and when it arrived.
  return context.json({
    data: snapshot.pools.map(({ pool, telemetry, received_at }) => ({
      ...pool,
      telemetry,
      telemetry_received_at: received_at,
    })),
  });
});
adminRoutes.post('/v1/admin/pools', async (context) => {
  const input = await readJsonBody(context, poolInputSchema);
  const problem = poolUrlProblem(input.url, context.var.deps.config.allowPrivatePoolUrls);
  if (problem)
    throw new ApiError('invalid_request', `pool url refused: ${problem.replace('_', ' ')}`, { param: 'url' });
  if (!(await poolAnswers(input.url))) {
    throw new ApiError('pool_unreachable', 'the pool did not answer GET /v2/health/live', { param: 'url' });
  }
  const result = await fleet(context.env).putPool(input);
  if (!result.ok)
    throw new ApiError('invalid_request', `unknown provider ${input.provider_id}`, { param: 'provider_id' });
  await context.var.deps.fleet.refresh();
  return context.json(result.pool, 201);
});
adminRoutes.delete('/v1/admin/pools/:id', async (context) => {
  const result = await fleet(context.env).deletePool(context.req.param('id'));
  if (!result.ok) throw notFound('pool');
  await context.var.deps.fleet.refresh();
  return context.body(null, 204);
});
adminRoutes.post('/v1/admin/pools/:id/drain', async (context) =>
  setDraining(context, true).then((pool) => context.json(pool)),
);
adminRoutes.delete('/v1/admin/pools/:id/drain', async (context) =>
  setDraining(context, false).then((pool) => context.json(pool)),
);

adminRoutes.get('/v1/admin/tenants', async (context) =>
  context.json({ data: await tenants(context.env).listTenants() }),
);
adminRoutes.post('/v1/admin/tenants', async (context) => {
  const input = await readJsonBody(context, tenantInputSchema);
  const result = await tenants(context.env).putTenant(input);
  if (!result.ok) {
    throw new ApiError('resource_conflict', 'another tenant already uses this app token issuer', {
      param: 'app_tokens.issuer',
    });
  }
  return context.json(result.tenant, 201);
});

adminRoutes.get('/v1/admin/keys', async (context) => {
  const tenantId = resourceIdSchema.safeParse(context.req.query('tenant_id'));
  if (!tenantId.success)
    throw new ApiError('invalid_request', 'tenant_id query parameter is required', { param: 'tenant_id' });
  const keys = await tenants(context.env).listApiKeys(tenantId.data);
  return context.json({ data: keys.map(publicApiKey) });
});
adminRoutes.post('/v1/admin/keys', async (context) => {
  const input = await readJsonBody(context, apiKeyInputSchema);
  const generated = await generateApiKey();
  const created_at = context.var.deps.now();
  const stored = await tenants(context.env).storeApiKey({
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
  return context.json(
    {
      id: generated.id,
      key: generated.key,
      prefix: generated.prefix,
      tenant_id: input.tenant_id,
      created_at,
    },
    201,
  );
});
adminRoutes.delete('/v1/admin/keys/:id', async (context) => {
  const { deps } = context.var;
  const result = await tenants(context.env).revokeApiKey(context.req.param('id'), deps.now());
  if (!result.ok) throw notFound('key');
  deps.authenticator.forget();
  return context.body(null, 204);
});

async function setDraining(context: Context<AppEnv>, draining: boolean) {
  const result = await fleet(context.env).setDraining(context.req.param('id') ?? '', draining);
  if (!result.ok) throw notFound('pool');
  await context.var.deps.fleet.refresh();
  return result.pool;
}
