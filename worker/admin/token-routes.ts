import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { ApiError, MAX_OPERATOR_TOKEN_LINEAGE, MAX_OPERATOR_TOKEN_TTL_S } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { lineageOfChild, mintOperatorToken } from '../auth/index.ts';
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
import { tenantDirectoryOf } from '../tenants/tenant-directory-stub.ts';
import { adminOperation } from './admin-operation.ts';

const mintToken = createRoute({
  ...adminOperation,
  method: 'post',
  path: '/v1/admin/tokens',
  operationId: 'mintOperatorToken',
  summary: 'Mint a short-lived operator token',
  description:
    'For a person or a tool that needs the admin API for a while. The new token never outlives the ' +
    `token that asks for it, and no operator token lives longer than ${MAX_OPERATOR_TOKEN_TTL_S} s. ` +
    'Revoking the token that asks (or any token it was minted with) revokes the new one too. A token ' +
    `minted through ${MAX_OPERATOR_TOKEN_LINEAGE} tokens already cannot mint (403): mint from an earlier one.`,
  request: { body: jsonBody(schemas.operatorTokenInput) },
  responses: {
    201: jsonResponse(schemas.mintedOperatorToken, 'The token, shown once.'),
    ...errorResponses('operator', bodyErrors),
  },
});

/**
 * Every operator token's `jti` is a random UUID (`mintOperatorToken`, the deploy scripts), in
 * either case (UUIDs compare without regard to case). Spelled without a flag: the pattern goes
 * into /openapi.json as it is, where a JavaScript flag would make it match nothing.
 */
const TOKEN_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const revokeToken = createRoute({
  ...adminOperation,
  method: 'delete',
  path: '/v1/admin/tokens/{jti}',
  operationId: 'revokeOperatorToken',
  summary: 'Revoke an operator token',
  description:
    'Every edge isolate refuses it, and every token minted with it (and with those, in turn), within ' +
    '5 s. Revoking an unknown or expired token is a no-op (tokens ' +
    'are not listed anywhere); an id that is not a token id at all (a UUID) is 400, so a typo is not ' +
    'taken for a revocation.',
  request: {
    params: z.object({
      jti: z
        .string()
        .regex(TOKEN_ID, 'a token id is the UUID `tokens create` printed as its jti')
        .describe('The token’s `jti`.'),
    }),
  },
  responses: { 204: emptyResponse('Revoked.'), ...errorResponses('operator', ['invalid_request']) },
});

/** Operator API: short-lived operator tokens (mint, revoke; a revocation reaches every descendant). */
export const tokenRoutes = routeGroup<AppEnv>();

openapiWithJsonBody(tokenRoutes, mintToken, async (context) => {
  const caller = context.get('principal');
  if (caller.kind !== 'operator') throw new ApiError('insufficient_scope', 'operator token required');
  const input = context.req.valid('json');
  const { deps } = context.var;
  const left = caller.expiresAt - Math.floor(deps.now() / 1000);
  if (left < 1) throw new ApiError('invalid_credentials', 'the calling token has expired');
  const lineage = lineageOfChild(caller);
  if (lineage === null) {
    throw new ApiError(
      'insufficient_scope',
      `this token was minted through ${MAX_OPERATOR_TOKEN_LINEAGE} tokens already: mint from an earlier one`,
    );
  }
  const subject = input.subject ?? caller.subject;
  const minted = await mintOperatorToken(
    await deps.edgeKeys(),
    subject,
    Math.min(input.ttl_seconds, left),
    deps.now,
    lineage,
  );
  // The audit trail of who handed out admin access: ids only, never the token.
  console.log(
    JSON.stringify({
      level: 'info',
      msg: 'operator token minted',
      request_id: context.get('requestId'),
      minted_by: { subject: caller.subject, jti: caller.tokenId },
      jti: minted.jti,
      subject,
      expires_at: minted.expiresAt,
      lineage,
    }),
  );
  return context.json({ token: minted.token, jti: minted.jti, subject, expires_at: minted.expiresAt }, 201);
});

tokenRoutes.openapi(revokeToken, async (context) => {
  const { deps } = context.var;
  const now = deps.now();
  // Kept as long as any operator token could still be valid; after that the token is expired anyway.
  const until = now + MAX_OPERATOR_TOKEN_TTL_S * 1000;
  await tenantDirectoryOf(context.env).revokeToken(context.req.valid('param').jti, until, now);
  deps.authenticator.forget();
  return context.body(null, 204);
});
