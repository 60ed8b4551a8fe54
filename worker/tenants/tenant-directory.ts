import { DurableObject } from 'cloudflare:workers';
import { type TenantInput, tenantInputSchema, tenantSettingsSchema } from '../../shared/index.ts';
import type { RpcValue } from '../storage/rpc-value.ts';
import type { ApiKeyRecord, TenantRecord } from './tenant-records.ts';
import { type ApiKeyRow, apiKeyFromRow, type TenantRow, tenantFromRow } from './tenant-rows.ts';
import { createTenantSchema } from './tenant-schema.ts';
import {
  type ApiKeyMatch,
  type DeleteTenantResult,
  type NewApiKey,
  newApiKeySchema,
  type PutTenantResult,
  type RevokeApiKeyResult,
  type StoreApiKeyResult,
} from './tenant-types.ts';
import { denyToken, isTokenDenied } from './token-denylist.ts';
import {
  readWebhookGenerations,
  rotateWebhookGeneration,
  type WebhookGenerations,
} from './webhook-generations.ts';

/**
 * The tenant directory: tenants, their app-token issuers, and the SHA-256 digests of their API
 * keys, in SQLite storage. One object, named `tenants`. It never sees a plaintext key.
 *
 * @example
 * const match = await tenantDirectoryOf(env).lookupApiKey(await hashApiKey(apiKey));
 * if (match === null) throw new ApiError('invalid_credentials', 'unknown API key');
 */
export class TenantDirectory extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    createTenantSchema(ctx.storage.sql);
  }

  private get sql(): SqlStorage {
    return this.ctx.storage.sql;
  }

  /**
   * Registers a tenant or updates its settings, keeping `created_at` and every setting the input
   * leaves out; refuses another tenant's issuer, and a new tenant without a name or tier.
   */
  async putTenant(input: TenantInput): Promise<PutTenantResult> {
    const update = tenantInputSchema.parse(input);
    const deleted = this.sql.exec('SELECT 1 FROM tenants WHERE id = ? AND deleted_at IS NOT NULL', update.id);
    if (deleted.toArray().length > 0) return { ok: false, reason: 'deleted' };
    const current = await this.getTenant(update.id);
    const name = update.name ?? current?.name;
    const tier = update.tier ?? current?.tier;
    if (name === undefined || tier === undefined)
      return { ok: false, reason: 'missing_field', field: name === undefined ? 'name' : 'tier' };
    const tenant = tenantSettingsSchema.parse({
      id: update.id,
      name,
      tier,
      allowed_providers: update.allowed_providers ?? current?.allowed_providers,
      allowed_regions: update.allowed_regions ?? current?.allowed_regions,
      app_tokens: update.app_tokens === undefined ? current?.app_tokens : update.app_tokens,
    });
    const issuer = tenant.app_tokens?.issuer ?? null;
    if (issuer !== null) {
      const owners = this.sql.exec('SELECT 1 FROM tenants WHERE issuer = ? AND id != ?', issuer, tenant.id);
      if (owners.toArray().length > 0) return { ok: false, reason: 'issuer_taken' };
    }
    const [row] = this.sql
      .exec<TenantRow>(
        `INSERT INTO tenants
           (id, name, tier, allowed_providers, allowed_regions, app_tokens, issuer, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
           name = excluded.name, tier = excluded.tier, allowed_providers = excluded.allowed_providers,
           allowed_regions = excluded.allowed_regions, app_tokens = excluded.app_tokens, issuer = excluded.issuer
         RETURNING *`,
        tenant.id,
        tenant.name,
        tenant.tier,
        JSON.stringify(tenant.allowed_providers),
        JSON.stringify(tenant.allowed_regions),
        tenant.app_tokens === null ? null : JSON.stringify(tenant.app_tokens),
        issuer,
        Date.now(),
      )
      .toArray();
    if (row === undefined) throw new Error('tenants upsert returned no row');
    return { ok: true, tenant: tenantFromRow(row) };
  }

  /** One live tenant, or null. */
  async getTenant(id: string): Promise<RpcValue<TenantRecord> | null> {
    const [row] = this.sql
      .exec<TenantRow>('SELECT * FROM tenants WHERE id = ? AND deleted_at IS NULL', id)
      .toArray();
    return row === undefined ? null : tenantFromRow(row);
  }

  /** All live tenants, by id. */
  async listTenants(): Promise<RpcValue<TenantRecord>[]> {
    return this.sql
      .exec<TenantRow>('SELECT * FROM tenants WHERE deleted_at IS NULL ORDER BY id')
      .toArray()
      .map(tenantFromRow);
  }

  /**
   * Deletes a tenant: every live key of it is revoked and its app-token issuer freed, at once
   * (isolates' cached answers lapse within `CREDENTIAL_CACHE_MS`). Its row stays as a tombstone,
   * so the id is not reused, and its webhook secret stays to sign the webhooks of jobs it already
   * submitted: accepted work still finishes.
   */
  async deleteTenant(id: string, at: number): Promise<DeleteTenantResult> {
    return this.ctx.storage.transactionSync(() => {
      const [tenant] = this.sql
        .exec(
          `UPDATE tenants SET deleted_at = ?, issuer = NULL, app_tokens = NULL
           WHERE id = ? AND deleted_at IS NULL RETURNING id`,
          at,
          id,
        )
        .toArray();
      if (tenant === undefined) return { ok: false, reason: 'not_found' } as const;
      const revoked = this.sql
        .exec(
          'UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND revoked_at IS NULL RETURNING id',
          at,
          id,
        )
        .toArray();
      return { ok: true, revokedKeys: revoked.length } as const;
    });
  }

  /** The tenant whose app tokens carry this exact `iss`, or null. */
  async findTenantByIssuer(issuer: string): Promise<RpcValue<TenantRecord> | null> {
    const [row] = this.sql.exec<TenantRow>('SELECT * FROM tenants WHERE issuer = ?', issuer).toArray();
    return row === undefined ? null : tenantFromRow(row);
  }

  /** Stores a key the Worker minted, by digest. */
  async storeApiKey(record: NewApiKey): Promise<StoreApiKeyResult> {
    const key = newApiKeySchema.parse(record);
    const tenant = this.sql
      .exec('SELECT 1 FROM tenants WHERE id = ? AND deleted_at IS NULL', key.tenant_id)
      .toArray();
    if (tenant.length === 0) return { ok: false, reason: 'unknown_tenant' };
    this.sql.exec(
      `INSERT INTO api_keys (id, tenant_id, name, prefix, hash, created_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, NULL)`,
      key.id,
      key.tenant_id,
      key.name,
      key.prefix,
      key.hash,
      key.created_at,
    );
    return { ok: true };
  }

  /** A tenant's keys, revoked ones included, oldest first; digests included (see `publicApiKey`). */
  async listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    return this.sql
      .exec<ApiKeyRow>('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id', tenantId)
      .toArray()
      .map(apiKeyFromRow);
  }

  /** Revokes a key; revoking it again keeps the first revocation time. */
  async revokeApiKey(id: string, at: number): Promise<RevokeApiKeyResult> {
    const [row] = this.sql
      .exec('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING id', at, id)
      .toArray();
    return row === undefined ? { ok: false, reason: 'not_found' } : { ok: true };
  }

  /**
   * The live key with this digest and its tenant, or null if unknown or revoked. An index lookup
   * on the digest leaks nothing useful through timing: a caller cannot choose digests.
   */
  async lookupApiKey(hash: string): Promise<ApiKeyMatch | null> {
    const [keyRow] = this.sql
      .exec<ApiKeyRow>('SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL', hash)
      .toArray();
    if (keyRow === undefined) return null;
    const [tenantRow] = this.sql
      .exec<TenantRow>('SELECT * FROM tenants WHERE id = ? AND deleted_at IS NULL', keyRow.tenant_id)
      .toArray();
    if (tenantRow === undefined) return null;
    return { key: apiKeyFromRow(keyRow), tenant: tenantFromRow(tenantRow) };
  }

  /** The tenant's webhook secret generations valid at `now` (the secrets are derived from them). */
  async webhookGenerations(tenantId: string, now: number): Promise<WebhookGenerations> {
    return readWebhookGenerations(this.sql, tenantId, now);
  }

  /** Starts a new webhook secret generation; the old one stays valid for `overlapMs`. */
  async rotateWebhookSecret(tenantId: string, now: number, overlapMs: number): Promise<WebhookGenerations> {
    return rotateWebhookGeneration(this.sql, tenantId, now, overlapMs);
  }

  /** Revokes an operator token until `expiresAt` (epoch ms), after which it is invalid anyway. */
  async revokeToken(jti: string, expiresAt: number, now: number): Promise<void> {
    denyToken(this.sql, jti, expiresAt, now);
  }

  /** Whether an operator token was revoked. */
  async isTokenRevoked(jti: string, now: number): Promise<boolean> {
    return isTokenDenied(this.sql, jti, now);
  }
}
