import type { PoolInput, ProviderInput, TelemetryReport } from '../../shared/index.ts';
import type { RpcValue } from '../storage/rpc-value.ts';
import { fromFlag, fromJsonColumn, fromNullableJsonColumn } from '../storage/sql-values.ts';
import type { PoolRecord, ProviderRecord } from './fleet-records.ts';

/** A `providers` row. */
export type ProviderRow = {
  id: string;
  name: string;
  protocol: string;
  credentials_ref: string | null;
  /** The API key sealed by `worker/auth/credential-sealing.ts`; never leaves the edge. */
  credentials_sealed: string | null;
  created_at: number;
};

/** A `pools` row; `models` and `public_key` are JSON TEXT, flags 0/1. */
export type PoolRow = {
  id: string;
  provider_id: string;
  url: string;
  region: string;
  models: string;
  capacity: number;
  public_key: string;
  enabled: number;
  draining: number;
  price_per_image: number | null;
  ms_per_megapixel_step: number | null;
  /** JSON TEXT of the pool's `upstream` settings, or NULL. */
  upstream: string | null;
  created_at: number;
  updated_at: number;
};

/** A `telemetry` row: the latest accepted report of one pool, as JSON TEXT. */
export type TelemetryRow = {
  pool_id: string;
  report: string;
  reported_at: number;
  received_at: number;
};

/** Maps a `providers` row to its record. */
export function providerFromRow(row: ProviderRow): ProviderRecord {
  return {
    id: row.id,
    name: row.name,
    // Written only from a parsed ProviderInput.
    protocol: row.protocol as ProviderInput['protocol'],
    credentials: row.credentials_sealed === null ? null : 'set',
    credentials_ref: row.credentials_ref,
    created_at: row.created_at,
  };
}

/** Maps a `pools` row to its record. */
export function poolFromRow(row: PoolRow): RpcValue<PoolRecord> {
  return {
    id: row.id,
    provider_id: row.provider_id,
    url: row.url,
    region: row.region,
    models: fromJsonColumn<string[]>(row.models),
    capacity: row.capacity,
    price_per_image: row.price_per_image,
    ms_per_megapixel_step: row.ms_per_megapixel_step,
    upstream: fromNullableJsonColumn<PoolInput['upstream']>(row.upstream),
    // Pools without a heartbeat key store JSON null in the NOT NULL column of the first release.
    ...publicKeyField(fromJsonColumn<RpcValue<NonNullable<PoolInput['public_key']>> | null>(row.public_key)),
    enabled: fromFlag(row.enabled),
    draining: fromFlag(row.draining),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function publicKeyField<T>(key: T | null): { public_key?: T } {
  return key === null ? {} : { public_key: key };
}

/** Maps a `telemetry` row to the stored report. */
export function telemetryFromRow(row: TelemetryRow): TelemetryReport {
  return reportFromColumn(row.report);
}

/** The stored report from its `telemetry.report` column. */
export function reportFromColumn(report: string): TelemetryReport {
  return fromJsonColumn<TelemetryReport>(report);
}
