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
  /** A push the edge accepted (2xx): the pool's logs can say heartbeats work again. */
  readonly onAccepted?: () => void;
}

/** Pushes sent on change are spaced at least this far apart, so a burst costs one report. */
export const MIN_CHANGE_GAP_MS = 100;

/**
 * While pushes cannot reach the edge (no connection: a restarting workerd), the next goes out
 * this soon (within ±20%), not at the next tick. The edge judges a pool by its newest report, so
 * a pool heard only at its next tick can look stale for most of an interval after the edge is
 * back, and be routed around (bench:chaos restarts the edge). An answer, even an error status, or
 * a timeout (an edge too busy to answer) is not retried early: more reports would not help it.
 */
export const RECONNECT_RETRY_MS = 250;

/** Early retries stop after this long unreachable: by then it is no restart, and ticks suffice. */
export const RECONNECT_WINDOW_MS = 30_000;

/**
 * Pushes signed telemetry to the edge every `intervalMs` and promptly on significant change.
 * Failures are reported and retried at the next tick, or sooner while the edge cannot be reached
 * (`RECONNECT_RETRY_MS`); they never affect serving.
 */
export class HeartbeatClient {
  readonly #options: HeartbeatOptions;
  readonly #target: URL;
  #lastSent: TelemetryReport | null = null;
  #lastSentAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #changeTimer: NodeJS.Timeout | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  /** When the pushes failing for want of a connection began to (null: the last one got through). */
  #unreachableSince: number | null = null;
  #stopped = false;
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
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#changeTimer) clearTimeout(this.#changeTimer);
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#timer = null;
    this.#changeTimer = null;
    this.#push();
    await this.#inFlight;
  }

  #push(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
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
      this.#unreachableSince = null;
      if (!response.ok) throw new Error(`edge answered ${response.status} to a heartbeat`);
      this.#options.onAccepted?.();
    } catch (error) {
      this.#options.onError(error);
      if (isUnreachable(error)) this.#retrySoon();
    }
  }

  /** Pushes again before the next tick while the edge is unreachable (`RECONNECT_RETRY_MS`). */
  #retrySoon(): void {
    const now = Date.now();
    this.#unreachableSince ??= now;
    const delayMs = RECONNECT_RETRY_MS * (0.8 + 0.4 * Math.random());
    if (this.#stopped || this.#retryTimer || delayMs >= this.#options.intervalMs) return;
    if (now - this.#unreachableSince >= RECONNECT_WINDOW_MS) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#push();
    }, delayMs);
    this.#retryTimer.unref();
  }
}

/**
 * Whether a push failed for want of a connection: `fetch` rejects with a `TypeError` for a
 * network failure; a timeout (`TimeoutError`) may be an edge too busy to answer, and is left to
 * the next tick.
 */
function isUnreachable(error: unknown): boolean {
  return error instanceof TypeError;
}

function withTrailingSlash(url: URL): URL {
  return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`);
}
