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

/**
 * When the tenant was deleted (epoch ms), null while it lives. A deleted tenant's row stays as a
 * tombstone: its id is never given to another customer, who would inherit its webhook secret
 * (the generations outlive it, to sign the webhooks of jobs it submitted before).
 */
const DELETED_COLUMN = 'deleted_at';

/** Creates the directory's tables if they do not exist yet, and adds columns older ones lack. */
export function createTenantSchema(sql: SqlStorage): void {
  sql.exec(tenantSchema);
  const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('tenants')").toArray();
  if (!columns.some((column) => column.name === DELETED_COLUMN))
    sql.exec(`ALTER TABLE tenants ADD COLUMN ${DELETED_COLUMN} INTEGER`);
  sql.exec(webhookGenerationsSchema);
  sql.exec(tokenDenylistSchema);
}
