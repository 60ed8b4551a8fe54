import { DurableObject } from 'cloudflare:workers';
import {
  type PoolInput,
  poolInputSchema,
  providerInputSchema,
  type TelemetryReport,
  telemetryReportSchema,
} from '../../shared/index.ts';
import { HEARTBEAT_PROTOCOL } from '../routing/index.ts';
import type { RpcValue } from '../storage/rpc-value.ts';
import { toFlag } from '../storage/sql-values.ts';
import { forgetBackoff } from './fleet-backoff.ts';
import { bumpVersion, markPoolChanged, markPoolRemoved, markProviderChanged } from './fleet-changes.ts';
import { TelemetryCoalescer } from './fleet-coalescing.ts';
import { forgetPoolTiming, recordReportTimings } from './fleet-idle.ts';
import { type LoadCounters, newLoadCounters } from './fleet-load.ts';
import type { PoolRecord, ProviderRecord, StoredProviderInput } from './fleet-records.ts';
import type {
  DeletePoolResult,
  DeleteProviderResult,
  PutPoolResult,
  PutProviderResult,
  RecordTelemetryResult,
  SetPoolFlagResult,
} from './fleet-results.ts';
import { type PoolRow, type ProviderRow, poolFromRow, providerFromRow } from './fleet-rows.ts';
import { createFleetSchema } from './fleet-schema.ts';
import { clearSuspicionIfMoved, forgetSuspicion, isSuspect } from './fleet-suspicion.ts';
import { PullTelemetry } from './pull-telemetry.ts';
import { pullTelemetryHost } from './pull-telemetry-host.ts';
import { staleReportAnswer } from './report-ordering.ts';

/**
 * The registry's records and writes: providers, pools with the operator's switches, and each
 * pool's latest telemetry, in SQLite storage; {@link FleetRegistry} adds the reads. Every write
 * bumps the version and notes which pool entries changed, so isolates can read deltas.
 */
export class FleetRegistryCore extends DurableObject<Env> {
  protected readonly pull: PullTelemetry;
  protected readonly coalescer: TelemetryCoalescer;
  protected readonly counters: LoadCounters;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    createFleetSchema(ctx.storage.sql);
    this.coalescer = new TelemetryCoalescer(ctx.storage.sql);
    this.counters = newLoadCounters(Date.now());
    // The registry's own reports on pulled pools coalesce like heartbeats: most seconds nothing moved.
    this.pull = new PullTelemetry(
      pullTelemetryHost(env, (poolId, report, receivedAt, probedReady) => {
        this.counters.reports += 1;
        if (this.coalescer.coalesce(poolId, report, receivedAt, isSuspect(this.sql, poolId))) {
          this.counters.coalesced += 1;
          return;
        }
        this.#storeTelemetry(poolId, report, receivedAt, probedReady);
      }),
    );
  }

  protected get sql(): SqlStorage {
    return this.ctx.storage.sql;
  }

  /**
   * Registers a provider or updates it, keeping its `created_at`. `credentials_sealed` is the API
   * key already sealed by the edge (`sealCredential`); it and `credentials_ref` keep the stored
   * value when undefined and remove it when null, and an undefined `protocol` keeps the stored one
   * (`gpu-node` for a new provider). A provider with pools cannot change protocol
   * (its pools' keys and URLs are protocol-specific).
   */
  async putProvider(input: StoredProviderInput): Promise<PutProviderResult> {
    const [current] = this.sql.exec<ProviderRow>('SELECT * FROM providers WHERE id = ?', input.id).toArray();
    const {
      credentials: _credentials,
      credentials_ref: _ref,
      ...provider
    } = providerInputSchema.parse({ ...input, protocol: input.protocol ?? current?.protocol });
    const sealed = input.credentials_sealed;
    if (current && current.protocol !== provider.protocol && this.hasPools(provider.id)) {
      return { ok: false, reason: 'protocol_in_use' };
    }
    const nextSealed = sealed === undefined ? (current?.credentials_sealed ?? null) : sealed;
    const nextRef =
      input.credentials_ref === undefined ? (current?.credentials_ref ?? null) : input.credentials_ref;
    // The directory copies providers into every shard on each pool registration: a copy that
    // changes nothing must not mark the provider's pools changed.
    if (
      current &&
      current.name === provider.name &&
      current.protocol === provider.protocol &&
      current.credentials_ref === nextRef &&
      current.credentials_sealed === nextSealed
    ) {
      return { ok: true, provider: providerFromRow(current) };
    }
    this.counters.writes += 1;
    const [row] = this.sql
      .exec<ProviderRow>(
        `INSERT INTO providers (id, name, protocol, credentials_ref, credentials_sealed, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
           name = excluded.name, protocol = excluded.protocol, credentials_ref = excluded.credentials_ref,
           credentials_sealed = excluded.credentials_sealed
         RETURNING *`,
        provider.id,
        provider.name,
        provider.protocol,
        nextRef,
        nextSealed,
        Date.now(),
      )
      .toArray();
    if (row === undefined) throw new Error('providers upsert returned no row');
    markProviderChanged(this.sql, provider.id);
    return { ok: true, provider: providerFromRow(row) };
  }

  private hasPools(providerId: string): boolean {
    return (
      this.sql.exec('SELECT 1 FROM pools WHERE provider_id = ? LIMIT 1', providerId).toArray().length > 0
    );
  }

  /** All providers, by id. */
  async listProviders(): Promise<ProviderRecord[]> {
    return this.sql.exec<ProviderRow>('SELECT * FROM providers ORDER BY id').toArray().map(providerFromRow);
  }

  /** Removes a provider that has no pools left. */
  async deleteProvider(id: string): Promise<DeleteProviderResult> {
    const found = this.sql.exec('SELECT 1 FROM providers WHERE id = ?', id).toArray().length > 0;
    if (!found) return { ok: false, reason: 'not_found' };
    if (this.hasPools(id)) return { ok: false, reason: 'has_pools' };
    this.sql.exec('DELETE FROM providers WHERE id = ?', id);
    bumpVersion(this.sql);
    return { ok: true };
  }

  /** Registers a pool (enabled, not draining) or updates it, keeping its switches and `created_at`. */
  async putPool(input: PoolInput): Promise<PutPoolResult> {
    const pool = poolInputSchema.parse(input);
    const [provider] = this.sql
      .exec<{ protocol: string }>('SELECT protocol FROM providers WHERE id = ?', pool.provider_id)
      .toArray();
    if (provider === undefined) return { ok: false, reason: 'unknown_provider' };
    const pushes = provider.protocol === HEARTBEAT_PROTOCOL;
    if (pushes && !pool.public_key) return { ok: false, reason: 'public_key_required' };
    if (!pushes && pool.public_key) return { ok: false, reason: 'public_key_unexpected' };
    const now = Date.now();
    const [row] = this.sql
      .exec<PoolRow>(
        `INSERT INTO pools
           (id, provider_id, url, region, models, capacity, public_key, enabled, draining,
            price_per_image, ms_per_megapixel_step, upstream, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
           provider_id = excluded.provider_id, url = excluded.url, region = excluded.region,
           models = excluded.models, capacity = excluded.capacity, public_key = excluded.public_key,
           price_per_image = excluded.price_per_image,
           ms_per_megapixel_step = excluded.ms_per_megapixel_step, upstream = excluded.upstream,
           updated_at = excluded.updated_at
         RETURNING *`,
        pool.id,
        pool.provider_id,
        pool.url,
        pool.region,
        JSON.stringify(pool.models),
        pool.capacity,
        JSON.stringify(pool.public_key ?? null),
        pool.price_per_image,
        pool.ms_per_megapixel_step,
        pool.upstream === null ? null : JSON.stringify(pool.upstream),
        now,
        now,
      )
      .toArray();
    if (row === undefined) throw new Error('pools upsert returned no row');
    this.counters.writes += 1;
    markPoolChanged(this.sql, pool.id);
    if (!pushes) await this.#keepReporting();
    return { ok: true, pool: poolFromRow(row) };
  }

  /** All pools, by id. */
  async listPools(): Promise<RpcValue<PoolRecord>[]> {
    return this.sql.exec<PoolRow>('SELECT * FROM pools ORDER BY id').toArray().map(poolFromRow);
  }

  /** One pool, or null. */
  async getPool(id: string): Promise<RpcValue<PoolRecord> | null> {
    this.counters.otherRequests += 1;
    const [row] = this.sql.exec<PoolRow>('SELECT * FROM pools WHERE id = ?', id).toArray();
    return row === undefined ? null : poolFromRow(row);
  }

  /** Removes a pool and its telemetry, suspicion, idleness and best job time. */
  async deletePool(id: string): Promise<DeletePoolResult> {
    this.coalescer.forget(id);
    this.sql.exec('DELETE FROM telemetry WHERE pool_id = ?', id);
    forgetSuspicion(this.sql, id);
    forgetBackoff(this.sql, id);
    forgetPoolTiming(this.sql, id);
    const { rowsWritten } = this.sql.exec('DELETE FROM pools WHERE id = ?', id);
    if (rowsWritten === 0) return { ok: false, reason: 'not_found' };
    this.counters.writes += 1;
    markPoolRemoved(this.sql, id, Date.now());
    return { ok: true };
  }

  /** The operator's drain switch; separate from the `draining` a pool reports in telemetry. */
  async setDraining(id: string, draining: boolean): Promise<SetPoolFlagResult> {
    return this.setFlag(id, 'draining', draining);
  }

  /** The operator's on/off switch. */
  async setEnabled(id: string, enabled: boolean): Promise<SetPoolFlagResult> {
    return this.setFlag(id, 'enabled', enabled);
  }

  private setFlag(id: string, column: 'draining' | 'enabled', value: boolean): SetPoolFlagResult {
    const [row] = this.sql
      .exec<PoolRow>(
        `UPDATE pools SET ${column} = ?, updated_at = ? WHERE id = ? RETURNING *`,
        toFlag(value),
        Date.now(),
        id,
      )
      .toArray();
    if (row === undefined) return { ok: false, reason: 'not_found' };
    this.counters.writes += 1;
    markPoolChanged(this.sql, id);
    return { ok: true, pool: poolFromRow(row) };
  }

  /**
   * Keeps `report` as the pool's latest telemetry unless the stored one is at least as recent:
   * heartbeats can arrive out of order, and a replayed one must not look fresh; one far behind is
   * `report_behind` (`staleReportAnswer`: the pool's clock went back). A report that moved
   * too little only refreshes `received_at`, in a batch (`TelemetryCoalescer`). `verifiedKey`: the
   * JSON of the public key the edge verified the heartbeat with, from its snapshot; a pool whose
   * key changed since answers `key_changed`, and the edge verifies again with the stored key.
   */
  async recordTelemetry(
    poolId: string,
    report: TelemetryReport,
    receivedAt: number,
    verifiedKey?: string,
  ): Promise<RecordTelemetryResult> {
    this.counters.reports += 1;
    const parsed = telemetryReportSchema.parse(report);
    const [known] = this.sql
      .exec<{ public_key: string }>('SELECT public_key FROM pools WHERE id = ?', poolId)
      .toArray();
    if (known === undefined) return { ok: false, reason: 'unknown_pool' };
    if (verifiedKey !== undefined && verifiedKey !== known.public_key)
      return { ok: false, reason: 'key_changed' };
    if (parsed.pool_id !== poolId) return { ok: false, reason: 'pool_mismatch' };
    const stale = staleReportAnswer(this.coalescer.latestTimestamp(poolId), parsed.timestamp, receivedAt);
    if (stale) return stale;
    if (this.coalescer.coalesce(poolId, parsed, receivedAt, isSuspect(this.sql, poolId))) {
      this.counters.coalesced += 1;
      return { ok: true, stale: false };
    }
    this.#storeTelemetry(poolId, parsed, receivedAt, true);
    return { ok: true, stale: false };
  }

  /**
   * Writes a pool's latest report and what follows from it. `clearsSuspicion`: whether the report
   * may clear a suspicion (a pushed heartbeat proves the pool alive; a report the edge wrote itself
   * only when its probe found the pool ready).
   */
  #storeTelemetry(
    poolId: string,
    parsed: TelemetryReport,
    receivedAt: number,
    clearsSuspicion: boolean,
  ): void {
    // Earlier refreshes go first: the batch must not overwrite this report's newer `received_at`.
    this.coalescer.flush();
    this.counters.writes += 1;
    this.counters.fullReports += 1;
    this.sql.exec(
      `INSERT INTO telemetry (pool_id, report, reported_at, received_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (pool_id) DO UPDATE SET
         report = excluded.report, reported_at = excluded.reported_at, received_at = excluded.received_at`,
      poolId,
      JSON.stringify(parsed),
      parsed.timestamp,
      receivedAt,
    );
    recordReportTimings(this.sql, poolId, parsed, receivedAt);
    if (clearsSuspicion) clearSuspicionIfMoved(this.sql, poolId, receivedAt);
    markPoolChanged(this.sql, poolId);
    this.coalescer.written(poolId, parsed, receivedAt);
  }

  async #keepReporting(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }
}
