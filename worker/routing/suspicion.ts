/** The telemetry figures the registry compares to tell a frozen pool from a working one. */
export interface TelemetryFigures {
  readonly queued: number;
  readonly running: number;
  readonly jobMs: number | null;
  /** When the pool took these figures (epoch ms), where known. */
  readonly at?: number | null;
}

/** What an isolate saw: a refused connection, or requests that stopped making progress. */
export type SuspicionReason = 'refused' | 'stalled';

/** The registry's note that an isolate found a pool refusing work or making no progress. */
export interface Suspicion {
  readonly since: number;
  readonly until: number;
  readonly reason: SuspicionReason;
  /** The pool's figures when the suspicion was raised (null if it never reported). */
  readonly figures: TelemetryFigures | null;
}

/** Longest a suspicion lasts without news (then the pool gets traffic again and is re-tested). */
export const SUSPICION_MAX_MS = 30_000;

/**
 * Records an isolate's report that a pool refused a connection or stalled. Each isolate only
 * learns about a dead or stalled pool from its own requests, which at 32+ isolates takes many
 * seconds for the last one; one shared note reaches every isolate with its next snapshot.
 *
 * @example
 * const next = raiseSuspicion(current.get(poolId), latestFigures, Date.now());
 */
export function raiseSuspicion(
  existing: Suspicion | undefined,
  figures: TelemetryFigures | null,
  now: number,
  reason: SuspicionReason = 'refused',
): Suspicion {
  if (existing && existing.until > now) return { ...existing, until: now + SUSPICION_MAX_MS };
  return { since: now, until: now + SUSPICION_MAX_MS, reason, figures };
}

/**
 * Whether a new telemetry report clears the suspicion: the figures moved (the pool finished or
 * took work since), or the suspicion ran out. A stalled pool that keeps sending its last healthy
 * figures, or a dead one that sends nothing, stays suspect; a false alarm on a busy pool clears
 * with its next report.
 *
 * A pool suspected of refusing connections is back as soon as it reports again: a dead pool sends
 * nothing, and a restarted one often reports the same idle figures it died with, which would
 * otherwise keep it out for the whole `SUSPICION_MAX_MS` (in the simulator's fault point, 12% of
 * the fleet idle for 30 s after recovery, and a backlog the rest never drained).
 */
export function suspicionCleared(
  suspicion: Suspicion,
  latest: TelemetryFigures | null,
  now: number,
): boolean {
  if (now >= suspicion.until) return true;
  if (suspicion.reason === 'refused' && latest?.at != null && latest.at > suspicion.since) return true;
  if (latest === null || suspicion.figures === null) return latest !== null;
  return (
    latest.queued !== suspicion.figures.queued ||
    latest.running !== suspicion.figures.running ||
    latest.jobMs !== suspicion.figures.jobMs
  );
}
