import type { PublicApiKey } from '../../shared/index.ts';
import type { ApiKeyRecord } from './tenant-records.ts';

export type { PublicApiKey } from '../../shared/index.ts';

/**
 * Drops the digest from a stored key, for listings. Copies named fields rather than removing
 * `hash`, so a field added to the record later is not published by accident.
 *
 * @example
 * const keys = await tenantDirectoryOf(env).listApiKeys(tenantId);
 * return c.json({ data: keys.map(publicApiKey) });
 */
export function publicApiKey(record: ApiKeyRecord): PublicApiKey {
  return {
    id: record.id,
    tenant_id: record.tenant_id,
    name: record.name,
    prefix: record.prefix,
    created_at: record.created_at,
    revoked_at: record.revoked_at,
  };
}
