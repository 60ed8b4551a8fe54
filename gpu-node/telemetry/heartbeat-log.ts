import type { Logger } from 'pino';

/** While heartbeats keep failing, a reminder is logged this often, ms. */
export const STILL_FAILING_EVERY_MS = 30_000;

/**
 * What the pool's log says about its heartbeats: the first failure with what to check, a
 * reminder every {@link STILL_FAILING_EVERY_MS} while they keep failing, and a line when the
 * edge accepts them again. One warning a second (the interval) buried everything else, and
 * nothing said when a key rotation or a registration had fixed it.
 */
export class HeartbeatLog {
  readonly #logger: Pick<Logger, 'warn' | 'info'>;
  readonly #now: () => number;
  #failures = 0;
  #failingSince = 0;
  #remindedAt = 0;

  constructor(logger: Pick<Logger, 'warn' | 'info'>, now: () => number = Date.now) {
    this.#logger = logger;
    this.#now = now;
  }

  /** A push failed. */
  failed(error: unknown): void {
    const now = this.#now();
    this.#failures++;
    const reason = error instanceof Error ? error.message : String(error);
    if (this.#failures === 1) {
      this.#failingSince = now;
      this.#remindedAt = now;
      this.#logger.warn({ reason, hint: hintFor(reason) }, 'heartbeat failed');
      return;
    }
    if (now - this.#remindedAt < STILL_FAILING_EVERY_MS) return;
    this.#remindedAt = now;
    const failingForS = Math.round((now - this.#failingSince) / 1000);
    this.#logger.warn(
      { reason, failures: this.#failures, failing_for_s: failingForS },
      'heartbeats still failing',
    );
  }

  /** A push was accepted. */
  accepted(): void {
    if (this.#failures === 0) return;
    const failingForS = Math.round((this.#now() - this.#failingSince) / 1000);
    this.#logger.info({ failures: this.#failures, failing_for_s: failingForS }, 'heartbeats accepted again');
    this.#failures = 0;
  }
}

/** What an operator should check for a heartbeat the edge refused. */
function hintFor(reason: string): string | undefined {
  if (/\b(401|403)\b/.test(reason))
    return 'the edge refused the signed report: is this pool registered there, with the public key of --pool-key?';
  if (/\b404\b/.test(reason)) return 'no pool of this id at the edge: check --pool-id and --edge-url';
  return undefined;
}
