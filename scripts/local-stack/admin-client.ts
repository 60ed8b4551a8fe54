import type { z } from 'zod';
import {
  listOf,
  type poolInputSchema,
  poolListingSchema,
  type providerInputSchema,
  type TenantInput,
} from '../../shared/index.ts';

/** A pool as `GET /v1/admin/pools` lists it: the registration and its latest telemetry. */
export type PoolListing = z.infer<typeof poolListingSchema>;

/** A thin client for the edge's operator API, for local set-up and tests. */
export function adminClient(edgeUrl: string, operatorToken: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${edgeUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  };
  return {
    putProvider: (input: z.input<typeof providerInputSchema>) => call('POST', '/v1/admin/providers', input),
    putPool: (input: z.input<typeof poolInputSchema>) => call('POST', '/v1/admin/pools', input),
    listPools: async (): Promise<PoolListing[]> =>
      listOf(poolListingSchema).parse(await call('GET', '/v1/admin/pools')).data,
    deletePool: (poolId: string) => call('DELETE', `/v1/admin/pools/${poolId}`),
    putTenant: (input: Partial<TenantInput> & Pick<TenantInput, 'id' | 'name' | 'tier'>) =>
      call('POST', '/v1/admin/tenants', input),
    mintKey: (tenantId: string) =>
      call<{ id: string; key: string }>('POST', '/v1/admin/keys', { tenant_id: tenantId, name: 'local' }),
    drain: (poolId: string) => call('POST', `/v1/admin/pools/${poolId}/drain`),
    undrain: (poolId: string) => call('DELETE', `/v1/admin/pools/${poolId}/drain`),
  };
}
