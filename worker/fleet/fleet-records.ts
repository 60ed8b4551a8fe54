import type { PoolRecord, ProviderInput, ProviderRecord, TelemetryReport } from '../../shared/index.ts';

export type { PoolRecord, ProviderRecord } from '../../shared/index.ts';

/**
 * A provider as the edge hands it to the registry: the API key, if any, already sealed
 * (`credentials_sealed`), never in the clear. Both ways of giving the key keep what is stored when
 * undefined and remove it when null: `credentials_sealed` and `credentials_ref`.
 */
export interface StoredProviderInput
  extends Omit<ProviderInput, 'credentials' | 'credentials_ref' | 'protocol'> {
  /** Undefined keeps the stored protocol (`gpu-node` for a new provider). */
  readonly protocol?: ProviderInput['protocol'];
  readonly credentials_ref?: string | null;
  readonly credentials_sealed?: string | null;
}

/** A provider as the registry stores it: every field of {@link StoredProviderInput} present. */
export type StoredProvider = Required<StoredProviderInput>;

/** One pool as routing needs it: record, provider, and the latest accepted telemetry. */
export interface PoolSnapshotEntry {
  readonly pool: PoolRecord;
  readonly provider: ProviderRecord;
  readonly telemetry: TelemetryReport | null;
  /**
   * The provider's API key as sealed by the edge (`openCredential` in worker/auth), or null. For
   * dispatch only: no admin read shows it.
   */
  readonly provider_credential?: string | null;
  /** When the edge accepted the latest heartbeat (epoch ms), or null. */
  readonly received_at: number | null;
  /** Until when an isolate's report holds the pool suspect (epoch ms), or null. */
  readonly suspect_until: number | null;
  /**
   * Since when every accepted heartbeat has shown no work (queued + running = 0), epoch ms on
   * the edge's receive clock like `received_at`; null while the pool has work or never reported.
   */
  readonly idle_since: number | null;
  /** The lowest EWMA job time the pool has reported, ms; null before it finished a job. */
  readonly best_job_ms: number | null;
  /**
   * The fastest step curve the pool has reported, as its step time for a 1-megapixel batch
   * (`referenceStepMs`), ms; null before it measured a step. Optional: older snapshots lack it.
   */
  readonly best_reference_step_ms?: number | null;
}

/** The fleet at one moment; isolates cache it and refresh it in the background. */
export interface FleetSnapshot {
  /** Increases with every change, so a cache can tell whether it is behind. */
  readonly version: number;
  readonly taken_at: number;
  readonly pools: readonly PoolSnapshotEntry[];
  /**
   * Regions whose shard this snapshot did not read but kept from an earlier read, each with when
   * that read was (epoch ms); `taken_at` counts only the shards read. Absent when every shard was
   * read (`FleetSnapshotSource`).
   */
  readonly held_regions?: Readonly<Record<string, number>>;
}
