import type { RpcValue } from '../storage/rpc-value.ts';
import type { PoolRecord, ProviderRecord } from './fleet-records.ts';

/** {@link FleetRegistry.deleteProvider}: a provider that still has pools is kept. */
export type DeleteProviderResult = { ok: true } | { ok: false; reason: 'not_found' | 'has_pools' };

/**
 * {@link FleetRegistry.putPool}: a pool needs a registered provider, and a heartbeat key exactly
 * when that provider speaks gpu-node (the only protocol that pushes signed reports).
 */
export type PutPoolResult =
  | { ok: true; pool: RpcValue<PoolRecord> }
  | { ok: false; reason: 'unknown_provider' | 'public_key_required' | 'public_key_unexpected' };

/** {@link FleetRegistry.putProvider}: a provider with pools keeps its protocol. */
export type PutProviderResult =
  | { ok: true; provider: ProviderRecord }
  | { ok: false; reason: 'protocol_in_use' };

/** {@link FleetRegistry.deletePool}. */
export type DeletePoolResult = { ok: true } | { ok: false; reason: 'not_found' };

/** {@link FleetRegistry.setDraining} and {@link FleetRegistry.setEnabled}. */
export type SetPoolFlagResult = { ok: true; pool: RpcValue<PoolRecord> } | { ok: false; reason: 'not_found' };

/**
 * {@link FleetRegistry.recordTelemetry}. `stale: true` means the report was not newer than the
 * stored one, by no more than the clock tolerance, and was dropped. `report_behind`: it was
 * further behind the last accepted report (`latest_timestamp`), so refused (the pool's clock went
 * back). `pool_mismatch`: the report names another pool than the one it was accepted for.
 */
export type RecordTelemetryResult =
  | { ok: true; stale: boolean }
  | { ok: false; reason: 'unknown_pool' | 'pool_mismatch' | 'key_changed' }
  | { ok: false; reason: 'report_behind'; latest_timestamp: number };
