import type { TenantSettings } from '../../shared/index.ts';
import type { RpcValue } from '../storage/rpc-value.ts';
import { fromJsonColumn, fromNullableJsonColumn } from '../storage/sql-values.ts';
import type { ApiKeyRecord, TenantRecord } from './tenant-records.ts';

/** A `tenants` row; lists and `app_tokens` are JSON TEXT, `issuer` is copied out to be indexed. */
export type TenantRow = {
  id: string;
  name: string;
  tier: string;
  allowed_providers: string;
  allowed_regions: string;
  app_tokens: string | null;
  issuer: string | null;
  created_at: number;
  /** Set once the tenant is deleted (a tombstone; see `tenant-schema.ts`). */
  deleted_at: number | null;
};

/** An `api_keys` row. */
export type ApiKeyRow = {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
};

/** Maps a `tenants` row to its record. */
export function tenantFromRow(row: TenantRow): RpcValue<TenantRecord> {
  return {
    id: row.id,
    name: row.name,
    // Written only from parsed TenantSettings.
    tier: row.tier as TenantSettings['tier'],
    allowed_providers: fromJsonColumn<string[]>(row.allowed_providers),
    allowed_regions: fromJsonColumn<string[]>(row.allowed_regions),
    app_tokens: fromNullableJsonColumn<RpcValue<NonNullable<TenantSettings['app_tokens']>>>(row.app_tokens),
    created_at: row.created_at,
  };
}

/** Maps an `api_keys` row to its record. */
export function apiKeyFromRow(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    name: row.name,
    prefix: row.prefix,
    hash: row.hash,
    created_at: row.created_at,
    revoked_at: row.revoked_at,
  };
}
