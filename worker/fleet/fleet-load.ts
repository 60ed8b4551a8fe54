/**
 * What one registry object has served since it started, for the registry load bench
 * (`bench/registry/`): requests by kind, and the writes behind them. Memory only.
 */
export interface RegistryLoad {
  /** When the counters started (epoch ms). */
  readonly since: number;
  /** Snapshot and delta reads (a shared copy served from the Cache API never gets here). */
  readonly reads: number;
  readonly fullReads: number;
  readonly deltaReads: number;
  /** Heartbeats (and reports of pulled pools) taken in. */
  readonly reports: number;
  /** Reports that only refreshed `received_at`, batched. */
  readonly coalesced: number;
  /** Reports written in full (the row rewritten, its version bumped). */
  readonly fullReports: number;
  /** Write transactions: full reports, refresh batches, admin and suspicion writes. */
  readonly writes: number;
  /** Rows the refresh batches updated. */
  readonly refreshedRows: number;
  /** Every other call (pool lookups, directory look-ups, outcome summaries). */
  readonly otherRequests: number;
}

/** Mutable counters behind {@link RegistryLoad}. */
export type LoadCounters = { -readonly [Key in keyof RegistryLoad]: RegistryLoad[Key] };

/** Counters starting now. */
export function newLoadCounters(now: number): LoadCounters {
  return {
    since: now,
    reads: 0,
    fullReads: 0,
    deltaReads: 0,
    reports: 0,
    coalesced: 0,
    fullReports: 0,
    writes: 0,
    refreshedRows: 0,
    otherRequests: 0,
  };
}
