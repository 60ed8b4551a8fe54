import { writeDataPoint } from './analytics.ts';
import { countedEvent, type RequestEvent } from './request-event.ts';
import { logRequest, type RequestLogLevel } from './request-log.ts';
import type { StatsRecorder } from './stats-recorder.ts';

/**
 * The isolate's observability: every finished request or job dispatch becomes one log line (when
 * its level is at least `LOG_LEVEL`), one Analytics Engine data point and one count in the stats,
 * without any I/O on the request's path.
 */
export class EdgeObservability {
  readonly stats: StatsRecorder;
  readonly #analytics: AnalyticsEngineDataset | undefined;
  readonly #logLevel: RequestLogLevel;

  constructor(
    stats: StatsRecorder,
    analytics: AnalyticsEngineDataset | undefined,
    logLevel: RequestLogLevel = 'info',
  ) {
    this.stats = stats;
    this.#analytics = analytics;
    this.#logLevel = logLevel;
  }

  /** Logs, writes and counts one event; a due stats flush runs in `waitUntil`. */
  finished(finished: RequestEvent, waitUntil: (promise: Promise<unknown>) => void): void {
    const event = countedEvent(finished);
    logRequest(event, this.#logLevel);
    writeDataPoint(this.#analytics, event);
    this.stats.record(event);
    this.stats.flushIfDue(waitUntil);
  }
}
