import type { PublicApiKey, TenantRecord } from '../../shared/index.ts';

export type { TenantRecord } from '../../shared/index.ts';

/** An API key as stored: the public fields plus the SHA-256 digest, never the key. */
export interface ApiKeyRecord extends PublicApiKey {
  /** Lower-case hex SHA-256 of the whole key. */
  readonly hash: string;
}

/** What routing and dispatch need to know about the tenant a request is for. */
export type RoutingTenant = Pick<TenantRecord, 'id' | 'tier' | 'allowed_providers' | 'allowed_regions'>;
