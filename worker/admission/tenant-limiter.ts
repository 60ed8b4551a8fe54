import { DurableObject } from 'cloudflare:workers';
import type { TenantLimitOverrides, TenantLimits, TenantLimitsInput } from '../../shared/index.ts';
import type { AdmissionVerdict, LimitUsage } from './admission-verdict.ts';
import { gcra } from './rate-window.ts';
import { effectiveLimits, NO_OVERRIDES } from './tier-limits.ts';

/** The window every per-minute limit counts over. */
export const LIMIT_WINDOW_MS = 60_000;
/** How soon a tenant at its concurrency limit is told to retry: slots free as generations end. */
const CONCURRENCY_RETRY_MS = 1_000;

const schema = `
CREATE TABLE IF NOT EXISTS limiter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  overrides TEXT NOT NULL DEFAULT '{}'
);
INSERT OR IGNORE INTO limiter (id) VALUES (1);
`;

/** One request to admit. */
export interface AdmissionAsk {
  /** The tenant's tier defaults (from the edge's config); overrides stored here win. */
  readonly defaults: TenantLimits;
  /** Images asked for (`n`). */
  readonly images: number;
  /**
   * Hold a concurrency slot for at most this long (the request's deadline): a lease whose
   * `release` never comes (the isolate died) frees itself. Null: no slot (an async job).
   */
  readonly leaseMs: number | null;
}

/**
 * One tenant's admission: requests and images per minute (GCRA) and sync generations in flight
 * (leases), exact because every edge isolate asks the same object. One object per tenant
 * (`tenant:<id>`), so tenants spread over as many objects as there are tenants: a flood of new
 * tenants adds objects, not load on one. Isolates refuse known-blocked tenants themselves
 * (`IsolateFirstLine`), so abuse rarely reaches here.
 *
 * @example
 * const verdict = await env.LIMITS.getByName('tenant:acme').acquire({ defaults, images: 1, leaseMs: 60_000 });
 */
export class TenantLimiter extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  // The rate schedules and leases live in memory: a durable write per request would cost a
  // commit on every generation. An evicted object (idle for a minute or more) forgets them, which
  // can only admit more, never refuse more; the operator's overrides are stored.
  #requestsTat = 0;
  #imagesTat = 0;
  readonly #leases = new Map<string, number>();
  #cachedOverrides: TenantLimitOverrides | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(schema);
  }

  /**
   * Admits the request (taking its quota and, if asked, a slot) or says which limit refused it,
   * after freeing the `released` slots: an isolate's releases ride on its next request's call.
   */
  async acquire(ask: AdmissionAsk, released: readonly string[] = []): Promise<AdmissionVerdict> {
    for (const leaseId of released) this.#leases.delete(leaseId);
    const now = Date.now();
    const limits = effectiveLimits(ask.defaults, this.#overrides());
    const inFlight = this.#inFlight(now);
    const requests = gcra(this.#requestsTat, now, 1, limits.requests_per_minute, LIMIT_WINDOW_MS);
    const images = gcra(this.#imagesTat, now, ask.images, limits.images_per_minute, LIMIT_WINDOW_MS);
    const slotAsked = ask.leaseMs !== null;
    const slotsLeft = limits.concurrent_generations - inFlight;
    const usage = (taken: boolean): LimitUsage => ({
      limits,
      remaining: {
        requests: requests.remaining,
        images: images.remaining,
        concurrency: Math.max(0, slotsLeft - (taken && slotAsked ? 1 : 0)),
      },
      resetMs: { requests: requests.resetMs, images: images.resetMs },
    });
    if (!requests.allowed) {
      return { ok: false, limit: 'requests', retryAfterMs: requests.retryAfterMs, ...usage(false) };
    }
    if (!images.allowed)
      return { ok: false, limit: 'images', retryAfterMs: images.retryAfterMs, ...usage(false) };
    if (slotAsked && slotsLeft <= 0) {
      return { ok: false, limit: 'concurrency', retryAfterMs: CONCURRENCY_RETRY_MS, ...usage(false) };
    }
    this.#requestsTat = requests.tat;
    this.#imagesTat = images.tat;
    let leaseId: string | null = null;
    if (ask.leaseMs !== null) {
      leaseId = crypto.randomUUID();
      this.#leases.set(leaseId, now + ask.leaseMs);
    }
    return { ok: true, leaseId, ...usage(true) };
  }

  /** Frees concurrency slots (idempotent). */
  async release(leaseIds: string | readonly string[]): Promise<void> {
    for (const leaseId of typeof leaseIds === 'string' ? [leaseIds] : leaseIds) this.#leases.delete(leaseId);
  }

  /** The operator's overrides of the tier defaults. */
  async overrides(): Promise<TenantLimitOverrides> {
    return this.#overrides();
  }

  /** Applies an operator's change: absent fields keep their override, null removes it. */
  async setOverrides(input: TenantLimitsInput): Promise<TenantLimitOverrides> {
    const current = this.#overrides();
    const next: TenantLimitOverrides = {
      requests_per_minute: pick(input.requests_per_minute, current.requests_per_minute),
      images_per_minute: pick(input.images_per_minute, current.images_per_minute),
      concurrent_generations: pick(input.concurrent_generations, current.concurrent_generations),
    };
    this.sql.exec('UPDATE limiter SET overrides = ? WHERE id = 1', JSON.stringify(next));
    this.#cachedOverrides = next;
    return next;
  }

  /** Leases still held; expired ones (a release that never came) are dropped. */
  #inFlight(now: number): number {
    for (const [leaseId, until] of this.#leases) if (until <= now) this.#leases.delete(leaseId);
    return this.#leases.size;
  }

  #overrides(): TenantLimitOverrides {
    if (this.#cachedOverrides) return this.#cachedOverrides;
    const [row] = this.sql
      .exec<{ overrides: string }>('SELECT overrides FROM limiter WHERE id = 1')
      .toArray();
    const stored = row ? (JSON.parse(row.overrides) as Partial<TenantLimitOverrides>) : {};
    this.#cachedOverrides = { ...NO_OVERRIDES, ...stored };
    return this.#cachedOverrides;
  }
}

function pick(input: number | null | undefined, current: number | null): number | null {
  return input === undefined ? current : input;
}
