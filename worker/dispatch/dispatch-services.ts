import type { ImageBackend } from '../../backends/index.ts';
import type { AdmissionSettings } from '../admission/admission-settings.ts';
import type { SlotTurns } from '../admission/slot-turns.ts';
import type { DispatchSigner } from '../auth/index.ts';
import type { FleetCache } from '../fleet/fleet-cache.ts';
import type { PoolSnapshotEntry } from '../fleet/fleet-records.ts';
import type { IsolateObservations } from '../fleet/local-observations.ts';
import type { RoutingPolicy, SuspicionReason } from '../routing/index.ts';
import type { RetryBudget } from './retry-budget.ts';
import type { TieGate } from './tie-gate.ts';

/** The isolate's collaborators that routing and dispatch use (part of the edge's deps). */
export interface DispatchServices {
  readonly config: {
    readonly routing: RoutingPolicy;
    readonly allowPrivatePoolUrls: boolean;
    readonly admission: Pick<AdmissionSettings, 'slowdownLimits'>;
  };
  readonly now: () => number;
  /** Uniform in [0, 1): the sampling draws of routing. */
  readonly random: () => number;
  readonly fleet: FleetCache;
  readonly observations: IsolateObservations;
  /** Failovers this isolate may still spend (about 10% of its requests). */
  readonly retryBudget: RetryBudget;
  /** Hedged copies of late requests this isolate may still send; null turns hedging off. */
  readonly hedgeBudget: RetryBudget | null;
  /** Requests shed at their tier that wait for a freed slot, in fair turns. */
  readonly turns: SlotTurns;
  /** Tied pairs this isolate has open (`MAX_UNSETTLED_TIES`). */
  readonly ties: TieGate;
  /** Signs dispatch tokens, reusing each (pool, tenant) token while it has time left. */
  signer(): Promise<DispatchSigner>;
  /**
   * What a pool's adapter sends as its credential: a dispatch token for the tenant on gpu-node
   * pools, the provider's own API key (opened from its sealed copy, or its named secret) on the
   * others. Never the client's.
   */
  credentialFor(entry: PoolSnapshotEntry, tenantId: string): Promise<string>;
  /** One adapter instance per protocol; undefined for a protocol no adapter speaks. */
  backendFor(protocol: string): ImageBackend | undefined;
  /**
   * Tells the registry a pool refused a connection or went quiet mid-job, so every isolate skips
   * it (best effort).
   */
  reportSuspect(poolId: string, reason?: SuspicionReason): Promise<void>;
  /** Tells the registry a pool asked (`Retry-After`) for no traffic until `until` (best effort). */
  reportBackoff(poolId: string, until: number): Promise<void>;
}
