import type { TelemetryReport } from '../../shared/index.ts';
import type { HeartbeatSigner } from '../security/heartbeat-signer.ts';
import { isSignificantChange } from './heartbeat-change.ts';

/** How the heartbeat client is wired. */
export interface HeartbeatOptions {
  readonly edgeUrl: URL;
  readonly poolId: string;
  readonly intervalMs: number;
  readonly sign: HeartbeatSigner;
  readonly report: () => TelemetryReport;
  readonly fetch: typeof fetch;
  readonly onError: (error: unknown) => void;
}

/** Pushes sent on change are spaced at least this far apart, so a burst costs one report. */
export const MIN_CHANGE_GAP_MS = 100;

/**
 * Pushes signed telemetry to the edge every `intervalMs` and promptly on significant change.
 * Failures are reported and retried at the next tick; they never affect serving.
 */
export class HeartbeatClient {
  readonly #options: HeartbeatOptions;
  readonly #target: URL;
  #lastSent: TelemetryReport | null = null;
  #lastSentAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #changeTimer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(options: HeartbeatOptions) {
    this.#options = options;
    this.#target = new URL(
      `v1/pools/${encodeURIComponent(options.poolId)}/telemetry`,
      withTrailingSlash(options.edgeUrl),
    );
  }

  /** Starts the periodic push (the first one goes out at once). */
  start(): void {
    const tick = () => {
      this.#push();
      this.#timer = setTimeout(tick, this.#options.intervalMs);
      this.#timer.unref();
    };
    tick();
  }

  /** Call when load changed; pushes soon if the change is significant. */
  notifyChange(): void {
    if (!this.#timer || this.#changeTimer) return;
    if (!isSignificantChange(this.#lastSent, this.#options.report())) return;
    const wait = Math.max(0, this.#lastSentAt + MIN_CHANGE_GAP_MS - Date.now());
    this.#changeTimer = setTimeout(() => {
      this.#changeTimer = null;
      this.#push();
    }, wait);
    this.#changeTimer.unref();
  }

  /** Stops pushing after one final report (e.g. `draining: true`) has been sent or has failed. */
  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#changeTimer) clearTimeout(this.#changeTimer);
    this.#timer = null;
    this.#changeTimer = null;
    this.#push();
    await this.#inFlight;
  }

  #push(): void {
    const report = this.#options.report();
    this.#lastSent = report;
    this.#lastSentAt = Date.now();
    const previous = this.#inFlight;
    this.#inFlight = previous.then(() => this.#send(report));
  }

  async #send(report: TelemetryReport): Promise<void> {
    try {
      const token = await this.#options.sign(report);
      const response = await this.#options.fetch(this.#target, {
        method: 'POST',
        headers: { 'content-type': 'application/jwt' },
        body: token,
        // A redirect is a failed push, never followed: the signed report goes to the edge only.
        redirect: 'manual',
        signal: AbortSignal.timeout(Math.max(1_000, this.#options.intervalMs)),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`edge answered ${response.status} to a heartbeat`);
    } catch (error) {
      this.#options.onError(error);
    }
  }
}

function withTrailingSlash(url: URL): URL {
  return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`);
}
