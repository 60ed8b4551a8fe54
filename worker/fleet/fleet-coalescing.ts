import type { TelemetryReport } from '../../shared/index.ts';
import { bumpVersion } from './fleet-changes.ts';
import { reportFromColumn } from './fleet-rows.ts';
import { isSignificantReport } from './report-significance.ts';

/** Coalesced heartbeats wait at most this long for their batched `received_at` write, ms. */
export const REFRESH_FLUSH_MS = 100;
/** A pool's full report is written at least this often, however little its figures move, ms. */
export const MAX_COALESCED_MS = 10_000;

type Latest = { report: TelemetryReport; writtenAt: number; timestamp: number };
type Refresh = { receivedAt: number; reportedAt: number };

/**
 * Heartbeat coalescing (docs/scaling.md, Heartbeats): a report {@link isSignificantReport} finds
 * insignificant (same load, speeds barely moved) only refreshes the pool's `received_at` (and the
 * replay guard `reported_at`), and those refreshes are written in one batch per
 * {@link REFRESH_FLUSH_MS} or before the next full write or read, whichever comes first. Readers flush first, so freshness
 * is never judged on a timestamp still waiting here.
 */
export class TelemetryCoalescer {
  readonly #sql: SqlStorage;
  readonly #latest = new Map<string, Latest>();
  readonly #pending = new Map<string, Refresh>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Batches written and rows they refreshed, for the registry's load figures. */
  flushes = 0;
  refreshedRows = 0;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** The newest report timestamp accepted for the pool (coalesced ones included), or null. */
  latestTimestamp(poolId: string): number | null {
    return this.#latestOf(poolId)?.timestamp ?? null;
  }

  /**
   * Takes the report as a refresh and returns true when it may be coalesced: the pool has a stored
   * report, is not suspect (any report may clear that), the figures moved too little to matter and
   * the stored report is younger than {@link MAX_COALESCED_MS}. False: write it in full.
   */
  coalesce(poolId: string, report: TelemetryReport, receivedAt: number, suspect: boolean): boolean {
    const latest = this.#latestOf(poolId);
    if (!latest || suspect || receivedAt - latest.writtenAt >= MAX_COALESCED_MS) return false;
    if (isSignificantReport(latest.report, report)) return false;
    latest.timestamp = Math.max(latest.timestamp, report.timestamp);
    const waiting = this.#pending.get(poolId);
    this.#pending.set(poolId, {
      receivedAt: Math.max(receivedAt, waiting?.receivedAt ?? 0),
      reportedAt: latest.timestamp,
    });
    this.#timer ??= setTimeout(() => this.flush(), REFRESH_FLUSH_MS);
    return true;
  }

  /** Notes a report written in full (its refresh, if any, is superseded). */
  written(poolId: string, report: TelemetryReport, receivedAt: number): void {
    this.#pending.delete(poolId);
    this.#latest.set(poolId, { report, writtenAt: receivedAt, timestamp: report.timestamp });
  }

  /** Forgets a removed pool. */
  forget(poolId: string): void {
    this.#pending.delete(poolId);
    this.#latest.delete(poolId);
  }

  /** Writes every waiting refresh under one new version. */
  flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.size === 0) return;
    const version = bumpVersion(this.#sql);
    for (const [poolId, refresh] of this.#pending) {
      this.#sql.exec(
        `UPDATE telemetry SET received_at = MAX(received_at, ?), reported_at = MAX(reported_at, ?),
           refreshed_version = ? WHERE pool_id = ?`,
        refresh.receivedAt,
        refresh.reportedAt,
        version,
        poolId,
      );
    }
    this.flushes += 1;
    this.refreshedRows += this.#pending.size;
    this.#pending.clear();
  }

  #latestOf(poolId: string): Latest | undefined {
    const known = this.#latest.get(poolId);
    if (known) return known;
    const [row] = this.#sql
      .exec<{ report: string; reported_at: number; received_at: number }>(
        'SELECT report, reported_at, received_at FROM telemetry WHERE pool_id = ?',
        poolId,
      )
      .toArray();
    if (row === undefined) return undefined;
    const latest = {
      report: reportFromColumn(row.report),
      writtenAt: row.received_at,
      timestamp: row.reported_at,
    };
    this.#latest.set(poolId, latest);
    return latest;
  }
}
