import { REPORT_CLOCK_TOLERANCE_MS } from '../../shared/index.ts';
import type { RecordTelemetryResult } from './fleet-results.ts';

/**
 * How a report that is not after the pool's last accepted one is answered, or null for a report
 * to keep. `latest`: the last accepted report's `timestamp` (null: none). A stored report dated
 * past the clock tolerance ahead of `receivedAt` (kept before such heartbeats were refused)
 * orders nothing.
 *
 * Behind by at most {@link REPORT_CLOCK_TOLERANCE_MS}: a duplicate or a heartbeat overtaken on
 * the way, dropped quietly (`stale`). Further behind: the pool's clock went back (an NTP step, a
 * host rebuilt) or a captured token is replayed; either way the pool would send nothing newer
 * until its clock passes `latest`, so it is refused out loud (`report_behind`) rather than left
 * to go stale in silence.
 *
 * @example
 * staleReportAnswer(31_000, 1_000, 31_010); // { ok: false, reason: 'report_behind', latest_timestamp: 31_000 }
 */
export function staleReportAnswer(
  latest: number | null,
  timestamp: number,
  receivedAt: number,
): RecordTelemetryResult | null {
  if (latest === null || latest > receivedAt + REPORT_CLOCK_TOLERANCE_MS || timestamp > latest) return null;
  if (latest - timestamp <= REPORT_CLOCK_TOLERANCE_MS) return { ok: true, stale: true };
  return { ok: false, reason: 'report_behind', latest_timestamp: latest };
}
