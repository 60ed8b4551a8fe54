import type { RpcValue } from '../storage/rpc-value.ts';
import { backoffUntilByPool } from './fleet-backoff.ts';
import { bestJobMsByPool, bestReferenceStepMsByPool, idleSinceByPool } from './fleet-idle.ts';
import type { FleetSnapshot, PoolSnapshotEntry } from './fleet-records.ts';
import {
  type PoolRow,
  type ProviderRow,
  poolFromRow,
  providerFromRow,
  type TelemetryRow,
  telemetryFromRow,
} from './fleet-rows.ts';
import { readVersion } from './fleet-schema.ts';
import { suspectUntilByPool } from './fleet-suspicion.ts';

/**
 * Reads every pool joined with its provider and latest telemetry. Synchronous reads with no
 * `await` between them, so the version matches the rows.
 */
export function readFleetSnapshot(sql: SqlStorage, takenAt: number): RpcValue<FleetSnapshot> {
  const providerRows = sql.exec<ProviderRow>('SELECT * FROM providers').toArray();
  const providers = new Map(providerRows.map((row) => [row.id, providerFromRow(row)]));
  const sealedCredentials = new Map(providerRows.map((row) => [row.id, row.credentials_sealed]));
  const telemetry = new Map(
    sql
      .exec<TelemetryRow>('SELECT * FROM telemetry')
      .toArray()
      .map((row) => [row.pool_id, row]),
  );
  const suspects = suspectUntilByPool(sql);
  const backoffs = backoffUntilByPool(sql);
  const idleSince = idleSinceByPool(sql);
  const bestJobMs = bestJobMsByPool(sql);
  const bestReferenceStepMs = bestReferenceStepMsByPool(sql);
  const pools = sql.exec<PoolRow>('SELECT * FROM pools ORDER BY id').toArray();
  // putPool and deleteProvider keep every pool's provider registered; the check is for the type.
  const entries = pools.flatMap((row): RpcValue<PoolSnapshotEntry>[] => {
    const provider = providers.get(row.provider_id);
    if (provider === undefined) return [];
    const latest = telemetry.get(row.id);
    return [
      {
        pool: poolFromRow(row),
        provider,
        telemetry: latest === undefined ? null : telemetryFromRow(latest),
        provider_credential: sealedCredentials.get(row.provider_id) ?? null,
        received_at: latest?.received_at ?? null,
        // A back-off a pool asked for keeps routing away exactly as a suspicion does.
        suspect_until: laterOf(suspects.get(row.id), backoffs.get(row.id)),
        idle_since: idleSince.get(row.id) ?? null,
        best_job_ms: bestJobMs.get(row.id) ?? null,
        best_reference_step_ms: bestReferenceStepMs.get(row.id) ?? null,
      },
    ];
  });
  return { version: readVersion(sql), taken_at: takenAt, pools: entries };
}

function laterOf(first: number | undefined, second: number | undefined): number | null {
  if (first === undefined) return second ?? null;
  return second === undefined ? first : Math.max(first, second);
}
