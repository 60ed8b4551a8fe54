import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { webhookSecret } from '../auth/webhook-signature.ts';
import { access } from '../middleware/access.ts';
import { openapiWithJsonBody } from '../middleware/read-json-body.ts';
import {
  bodyErrors,
  errorResponses,
  jsonResponse,
  optionalJsonBody,
  routeGroup,
  schemas,
} from '../openapi/index.ts';
import { tenantDirectoryOf } from '../tenants/tenant-directory-stub.ts';
import type { WebhookGenerations } from '../tenants/webhook-generations.ts';

const webhookOperation = { tags: ['Jobs'], ...access('tenantServer') };

const getWebhookSecret = createRoute({
  ...webhookOperation,
  method: 'get',
  path: '/v1/webhooks/secret',
  operationId: 'getWebhookSecret',
  summary: 'The tenant’s webhook signing secrets',
  description:
    'Verify `webhook-signature` (space-separated `v1,<sig>`) where one `sig` = base64 HMAC-SHA256 of ' +
    '`{webhook-id}.{webhook-timestamp}.{body}` keyed with the base64-decoded part after `whsec_` of ' +
    '`key` or of a `previous_keys` entry. Server-side callers (API keys) only.',
  responses: {
    200: jsonResponse(schemas.webhookSecret, 'The current secret and the rotated-out ones still valid.'),
    ...errorResponses('tenantServer', []),
  },
});

const rotateWebhookSecret = createRoute({
  ...webhookOperation,
  method: 'post',
  path: '/v1/webhooks/secret/rotate',
  operationId: 'rotateWebhookSecret',
  summary: 'Rotate the tenant’s webhook signing secret',
  description:
    'Starts a new secret at once; the replaced one keeps signing deliveries (as a second signature) for ' +
    '`overlap_seconds`, so receivers can switch without dropping a webhook. Server-side callers only.',
  request: { body: optionalJsonBody(schemas.webhookRotation) },
  responses: {
    200: jsonResponse(schemas.webhookSecret, 'The new secret and the ones still valid.'),
    ...errorResponses('tenantServer', bodyErrors),
  },
});

/** `GET /v1/webhooks/secret` and `POST /v1/webhooks/secret/rotate`: what tenants verify job webhooks with. */
export const webhookRoutes = routeGroup<AppEnv>().openapi(getWebhookSecret, async (context) => {
  const tenantId = tenantIdOf(context);
  const { now } = context.var.deps;
  const generations = await tenantDirectoryOf(context.env).webhookGenerations(tenantId, now());
  return context.json(await secretsView(context, tenantId, generations), 200);
});

openapiWithJsonBody(
  webhookRoutes,
  rotateWebhookSecret,
  async (context) => {
    const tenantId = tenantIdOf(context);
    const { overlap_seconds: overlapSeconds } = context.req.valid('json');
    const generations = await tenantDirectoryOf(context.env).rotateWebhookSecret(
      tenantId,
      context.var.deps.now(),
      overlapSeconds * 1000,
    );
    return context.json(await secretsView(context, tenantId, generations), 200);
  },
  { bodyOptional: true },
);

function tenantIdOf(context: Context<AppEnv>): string {
  const principal = context.get('principal');
  if (principal.kind !== 'tenant') throw new ApiError('insufficient_scope', 'tenant credential required');
  return principal.tenant.id;
}

async function secretsView(context: Context<AppEnv>, tenantId: string, generations: WebhookGenerations) {
  const signingKey = context.var.deps.config.edgeSigningKey;
  return {
    key: await webhookSecret(signingKey, tenantId, generations.current),
    previous_keys: await Promise.all(
      generations.previous.map(async ({ generation, retiresAt }) => ({
        key: await webhookSecret(signingKey, tenantId, generation),
        expires_at: Math.floor(retiresAt / 1000),
      })),
    ),
  };
}
