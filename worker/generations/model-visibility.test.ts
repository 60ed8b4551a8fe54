import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema, tenantSettingsSchema } from '../../shared/index.ts';
import { fleetRegistryOf } from '../fleet/fleet-registry-stub.ts';
import { tenantDirectoryOf } from '../tenants/tenant-directory-stub.ts';
import { registerTenantCallers, type TenantCallers } from '../testing/tenant-callers.ts';
import { poolInput, providerInput } from '../testing/test-inputs.ts';

let restricted: TenantCallers;
let unrestricted: TenantCallers;

beforeAll(async () => {
  const registry = fleetRegistryOf(env);
  await registry.putProvider(providerInput({ id: 'private-provider' }));
  const stored = await registry.putPool(
    await poolInput({ id: 'private-pool', provider_id: 'private-provider', models: ['secret-model'] }),
  );
  expect(stored.ok).toBe(true);
  restricted = await registerTenantCallers(env, 'restricted-tenant');
  const limited = await tenantDirectoryOf(env).putTenant(
    tenantSettingsSchema.parse({
      id: 'restricted-tenant',
      name: 'r',
      tier: 'paid',
      allowed_providers: ['elsewhere'],
    }),
  );
  expect(limited.ok).toBe(true);
  unrestricted = await registerTenantCallers(env, 'unrestricted-tenant');
});

async function generate(callers: TenantCallers, model: string) {
  const response = await exports.default.fetch('http://edge.test/v1/images/generations', {
    method: 'POST',
    headers: { authorization: callers.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a fox', model }),
  });
  return [response.status, errorEnvelopeSchema.parse(await response.json()).error.code];
}

async function retrieve(callers: TenantCallers, model: string) {
  const response = await exports.default.fetch(`http://edge.test/v1/models/${model}`, {
    headers: { authorization: callers.apiKey },
  });
  return [response.status, errorEnvelopeSchema.parse(await response.json()).error.code];
}

describe('model visibility', () => {
  it('model_not_found: retrieving a model the tenant cannot use looks like retrieving an unknown one', async () => {
    expect(await retrieve(restricted, 'secret-model')).toEqual(await retrieve(restricted, 'no-such-model'));
    expect(await retrieve(restricted, 'secret-model')).toEqual([404, 'model_not_found']);
  });

  it('model_not_found: a model only providers the tenant may not use serve looks like any unknown model', async () => {
    expect(await generate(restricted, 'secret-model')).toEqual(await generate(restricted, 'no-such-model'));
    expect(await generate(restricted, 'secret-model')).toEqual([404, 'model_not_found']);
  });

  it('model_not_found: a tenant that may use the provider learns the model exists (no capacity now)', async () => {
    expect(await generate(unrestricted, 'secret-model')).toEqual([503, 'no_capacity']);
  });
});
