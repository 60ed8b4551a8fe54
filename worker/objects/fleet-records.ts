import type { PoolInput, ProviderInput, TelemetryReport, TenantInput } from '../../shared/index.ts';

/** A registered pool, with the operator's switches. */
export interface PoolRecord extends PoolInput {
  /** Operator's switch; a disabled pool gets no work. */
  readonly enabled: boolean;
  /** Set by `POST /v1/admin/pools/:id/drain`: the pool gets no new work. */
  readonly draining: boolean;
  readonly created_at: number;
  readonly updated_at: number;
}

/** A registered provider. */
export interface ProviderRecord extends ProviderInput {
  readonly created_at: number;
}

/** One pool as routing needs it: record, provider, and the latest accepted telemetry. */
export interface PoolSnapshotEntry {
  readonly pool: PoolRecord;
  readonly provider: ProviderRecord;
  readonly telemetry: TelemetryReport | null;
  /** When the edge accepted the latest heartbeat (epoch ms), or null. */
  readonly received_at: number | null;
}

/** The fleet at one moment; isolates cache it and refresh it in the background. */
export interface FleetSnapshot {
  /** Increases with every change, so a cache can tell whether it is behind. */
  readonly version: number;
  readonly taken_at: number;
  readonly pools: readonly PoolSnapshotEntry[];
}

/** A registered tenant. */
export interface TenantRecord extends TenantInput {
  readonly created_at: number;
}

/** An API key as stored: only its SHA-256 digest, never the key. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly tenant_id: string;
  readonly name: string;
  /** First characters of the key (e.g. `sk_live_AbC1`), to recognise it in listings. */
  readonly prefix: string;
  /** Lower-case hex SHA-256 of the whole key. */
  readonly hash: string;
  readonly created_at: number;
  readonly revoked_at: number | null;
}
