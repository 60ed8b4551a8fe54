import { z } from 'zod';
import type { RpcValue } from '../storage/rpc-value.ts';
import type { ApiKeyRecord, TenantRecord } from './tenant-records.ts';

/** A key the Worker minted: its digest and metadata, never the key itself. */
export const newApiKeySchema = z.object({
  id: z.string().min(1).max(128),
  tenant_id: z.string().min(1),
  name: z.string().min(1).max(128),
  prefix: z.string().min(1).max(32),
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'hash is the lower-case hex SHA-256 of the key'),
  created_at: z.number().int(),
});

/** Input of {@link TenantDirectory.storeApiKey}. */
export type NewApiKey = z.infer<typeof newApiKeySchema>;

/** {@link TenantDirectory.putTenant}: an app-token issuer identifies exactly one tenant. */
export type PutTenantResult =
  | { ok: true; tenant: RpcValue<TenantRecord> }
  | { ok: false; reason: 'issuer_taken' }
  /** The id belonged to a tenant that was deleted: ids are not given out again. */
  | { ok: false; reason: 'deleted' }
  /** A new tenant needs both; an existing one keeps its own. */
  | { ok: false; reason: 'missing_field'; field: 'name' | 'tier' };

/** {@link TenantDirectory.storeApiKey}. */
export type StoreApiKeyResult = { ok: true } | { ok: false; reason: 'unknown_tenant' };

/** {@link TenantDirectory.deleteTenant}: how many live keys the deletion revoked. */
export type DeleteTenantResult = { ok: true; revokedKeys: number } | { ok: false; reason: 'not_found' };

/** {@link TenantDirectory.revokeApiKey}. */
export type RevokeApiKeyResult = { ok: true } | { ok: false; reason: 'not_found' };

/** {@link TenantDirectory.lookupApiKey}: a live key and the tenant it belongs to. */
export interface ApiKeyMatch {
  readonly key: ApiKeyRecord;
  readonly tenant: RpcValue<TenantRecord>;
}
