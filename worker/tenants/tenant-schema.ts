import { tokenDenylistSchema } from './token-denylist.ts';
import { webhookGenerationsSchema } from './webhook-generations.ts';

/**
 * Tables of the tenant directory. Idempotent, so it runs in every constructor. SQLite unique
 * indexes treat NULLs as distinct, so tenants without app tokens do not collide on `issuer`.
 */
const tenantSchema = `
CREATE TABLE IF NOT EXISTS tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  tier TEXT NOT NULL,
  allowed_providers TEXT NOT NULL,
  allowed_regions TEXT NOT NULL,
  app_tokens TEXT,
  issuer TEXT,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS tenants_by_issuer ON tenants (issuer);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_by_hash ON api_keys (hash);
CREATE INDEX IF NOT EXISTS api_keys_by_tenant ON api_keys (tenant_id);
`;

/** Creates the directory's tables if they do not exist yet. */
export function createTenantSchema(sql: SqlStorage): void {
  sql.exec(tenantSchema);
  sql.exec(webhookGenerationsSchema);
  sql.exec(tokenDenylistSchema);
}
