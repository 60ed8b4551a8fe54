import { writeDataPoint } from './analytics.ts';
import type { RequestEvent } from './request-event.ts';
import { logRequest } from './request-log.ts';
import type { StatsRecorder } from './stats-recorder.ts';

/**
 * The isolate's observability: every finished request or job dispatch becomes one log line, one
 * Analytics Engine data point and one count in the stats, without any I/O on the request's path.
 */
export class EdgeObservability {
  readonly stats: StatsRecorder;
  readonly #analytics: AnalyticsEngineDataset | undefined;

  constructor(stats: StatsRecorder, analytics: AnalyticsEngineDataset | undefined) {
    this.stats = stats;
    this.#analytics = analytics;
  }

  /** Logs, writes and counts one event; a due stats flush runs in `waitUntil`. */
  finished(event: RequestEvent, waitUntil: (promise: Promise<unknown>) => void): void {
    logRequest(event);
    writeDataPoint(this.#analytics, event);
    this.stats.record(event);
    this.stats.flushIfDue(waitUntil);
  }
}
