import { createRoute } from '@hono/zod-openapi';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { webhookSecret } from '../auth/webhook-signature.ts';
import { access } from '../middleware/access.ts';
import { errorResponses, jsonResponse, routeGroup, schemas } from '../openapi/index.ts';

const getWebhookSecret = createRoute({
  method: 'get',
  path: '/v1/webhooks/secret',
  operationId: 'getWebhookSecret',
  tags: ['Jobs'],
  summary: 'The tenant’s webhook signing secret',
  description:
    'Verify `webhook-signature` = `v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` ' +
    'keyed with the base64-decoded part after `whsec_`. Server-side callers only.',
  ...access('tenantServer'),
  responses: {
    200: jsonResponse(schemas.webhookSecret, 'The secret.'),
    ...errorResponses('tenantServer', []),
  },
});

/** `GET /v1/webhooks/secret`: the secret a tenant verifies its job webhooks with. */
export const webhookRoutes = routeGroup<AppEnv>().openapi(getWebhookSecret, async (context) => {
  const principal = context.get('principal');
  if (principal.kind !== 'tenant') throw new ApiError('insufficient_scope', 'tenant credential required');
  const key = await webhookSecret(context.var.deps.config.edgeSigningKey, principal.tenant.id);
  return context.json({ key }, 200);
});
