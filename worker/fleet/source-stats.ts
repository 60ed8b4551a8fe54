/**
 * How an isolate's fleet refreshes were served, and what they moved (`FleetSnapshotSource.stats`).
 * Free of Workers APIs, so the registry bench reads the same shape in Node.
 */
export interface SourceStats {
  refreshes: number;
  shardReads: number;
  /** Regions kept from an earlier read instead of read again (not routed to lately). */
  heldRegions: number;
  fullReads: number;
  sharedHits: number;
  /** JSON bytes of the shard answers, full and delta reads apart. */
  fullBytes: number;
  deltaBytes: number;
}

/** Every count at zero. */
export function emptySourceStats(): SourceStats {
  return {
    refreshes: 0,
    shardReads: 0,
    heldRegions: 0,
    fullReads: 0,
    sharedHits: 0,
    fullBytes: 0,
    deltaBytes: 0,
  };
}
