import type { OpenAPIHono } from '@hono/zod-openapi';
import type { z } from 'zod';
import { parseJsonBody } from '../../shared/index.ts';
import { createApp } from '../app.ts';
import type { AppEnv } from '../app-env.ts';
import type { Principal } from '../auth/principal.ts';
import type { TenantRecord } from '../tenants/tenant-records.ts';
import { testDeps } from './test-app.ts';

/** A tenant with no restrictions, as the directory would return it. */
const testTenant: TenantRecord = {
  id: 'acme',
  name: 'Acme Inc.',
  tier: 'paid',
  allowed_providers: [],
  allowed_regions: [],
  app_tokens: null,
  created_at: 0,
};

/** Callers {@link principalApp} can stand in for. */
export const principals: Readonly<Record<'tenant' | 'operator', Principal>> = {
  tenant: { kind: 'tenant', tenant: testTenant, via: 'api_key', subject: 'key_test' },
  operator: { kind: 'operator', subject: 'operator@test', tokenId: 'token-test', expiresAt: 2_000_000_000 },
};

/**
 * The edge app with every caller authenticated as `principal`, recording each schema a request
 * body is validated with (`deps.parseJson`, which still validates).
 */
export function principalApp(
  env: Env,
  principal: Principal,
): { app: OpenAPIHono<AppEnv>; validatedWith: z.ZodType[] } {
  const validatedWith: z.ZodType[] = [];
  const app = createApp({
    ...testDeps(env),
    authenticator: { authenticate: async () => principal, forget: () => undefined },
    parseJson: (contentType, text, schema, prepare) => {
      validatedWith.push(schema);
      return parseJsonBody(contentType, text, schema, prepare);
    },
  });
  return { app, validatedWith };
}
