import { DurableObject } from 'cloudflare:workers';
import type { TenantLimitOverrides, TenantLimits, TenantLimitsInput } from '../../shared/index.ts';
import type { AdmissionVerdict, LimitName, ReturnedPermits, SpareAsk } from './admission-verdict.ts';
import { gcra, rescaledTat } from './rate-window.ts';
import { effectiveLimits, NO_OVERRIDES } from './tier-limits.ts';

/** The window every per-minute limit counts over. */
export const LIMIT_WINDOW_MS = 60_000;
/** How soon a tenant at its concurrency limit is told to retry: slots free as generations end. */
const CONCURRENCY_RETRY_MS = 1_000;
/** Share of a limit's remainder one spare ask may take (`clampSpare`). */
const SPARE_SHARE_OF_LEFT = 1 / 4;

const schema = `
CREATE TABLE IF NOT EXISTS limiter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  overrides TEXT NOT NULL DEFAULT '{}'
);
INSERT OR IGNORE INTO limiter (id) VALUES (1);
`;

/** Where the limiter keeps its schedules and leases across an eviction. */
const STATE_KEY = 'state';
/** How long after a change the limiter writes its state, ms: one write for every change meanwhile. */
export const SAVE_DELAY_MS = 1_000;

/** The limiter's in-memory state as stored (`TenantLimiter.#save`). */
interface SavedLimiterState {
  readonly requestsTat: number;
  readonly imagesTat: number;
  /** The limits the schedules are kept at (absent in state written before they were kept). */
  readonly scheduledAt?: ScheduledLimits;
  readonly leases: ReadonlyArray<readonly [string, { until: number; slots: number }]>;
}

/** The per-minute limits the rate schedules count in: a schedule's offset means units at its limit. */
interface ScheduledLimits {
  readonly requests: number;
  readonly images: number;
}

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
  /**
   * Permits for the asking isolate's next requests (`PermitBlocks`), granted as far as the limits
   * allow now: they count as used from here, and the slots join this request's lease.
   */
  readonly spare?: SpareAsk;
  /** Rate permits leased earlier and not used: they are credited back first. */
  readonly returned?: ReturnedPermits;
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
  // The rate schedules and leases are served from memory, and written at most once a second
  // (`SAVE_DELAY_MS`, after a change) rather than per request: a durable commit per request cost
  // 2-3x the edge's CPU per request in `bench:edge`. An object evicted while idle reads them back, so a
  // quiet spell never hands a tenant a fresh quota (Cloudflare evicts after a minute or more, when
  // a rate has refilled anyway; the local workerd after ~10 s, when it has not, and a refused
  // tenant's retry was told it had most of its quota left). What the last second held is lost only
  // with the process, which can only admit more, never refuse more.
  #requestsTat = 0;
  #imagesTat = 0;
  /** The limits the schedules were kept at; null until the first request says which apply. */
  #scheduledAt: ScheduledLimits | null = null;
  /** Concurrency leases: when each frees itself, and how many slots it holds. */
  readonly #leases = new Map<string, { until: number; slots: number }>();
  #cachedOverrides: TenantLimitOverrides | null = null;
  #saveTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(schema);
    const saved = ctx.storage.kv.get<SavedLimiterState>(STATE_KEY);
    if (saved) {
      this.#requestsTat = saved.requestsTat;
      this.#imagesTat = saved.imagesTat;
      this.#scheduledAt = saved.scheduledAt ?? null;
      for (const [leaseId, lease] of saved.leases) this.#leases.set(leaseId, lease);
    }
  }

  /** Writes the schedules and leases within `SAVE_DELAY_MS` of a change, once for all changes then. */
  #save(): void {
    if (this.#saveTimer !== null) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = null;
      const state: SavedLimiterState = {
        requestsTat: this.#requestsTat,
        imagesTat: this.#imagesTat,
        ...(this.#scheduledAt ? { scheduledAt: this.#scheduledAt } : {}),
        leases: [...this.#leases],
      };
      this.ctx.storage.kv.put(STATE_KEY, state);
    }, SAVE_DELAY_MS);
  }

  /**
   * Admits the request (taking its quota and, if asked, a slot) or says which limit refused it,
   * after freeing the `released` slots: an isolate's releases ride on its next request's call.
   */
  async acquire(ask: AdmissionAsk, released: readonly string[] = []): Promise<AdmissionVerdict> {
    for (const leaseId of released) this.#leases.delete(leaseId);
    const now = Date.now();
    const limits = effectiveLimits(ask.defaults, this.#overrides());
    const rescheduled = this.#keepUsedUnits(limits, now);
    if (ask.returned) this.#credit(ask.returned, limits, now);
    // Released slots, credited permits and a changed limit change the state even when this request is refused.
    if (released.length > 0 || ask.returned || rescheduled) this.#save();
    const inFlight = this.#inFlight(now);
    const requests = gcra(this.#requestsTat, now, 1, limits.requests_per_minute, LIMIT_WINDOW_MS);
    const images = gcra(this.#imagesTat, now, ask.images, limits.images_per_minute, LIMIT_WINDOW_MS);
    const slotAsked = ask.leaseMs !== null;
    const slotsLeft = limits.concurrent_generations - inFlight;
    const refused = (limit: LimitName, retryAfterMs: number | null): AdmissionVerdict => ({
      ok: false,
      limit,
      retryAfterMs,
      limits,
      // A refused request takes nothing: every quota is as it was before it.
      remaining: {
        requests: requests.untaken,
        images: images.untaken,
        concurrency: Math.max(0, slotsLeft),
      },
      resetMs: { requests: requests.untakenResetMs, images: images.untakenResetMs },
    });
    // Said before any other refusal: no wait admits a request larger than the whole images limit,
    // and it takes nothing, so the tenant's next request that fits is admitted.
    if (images.retryAfterMs === null) return refused('images', null);
    if (!requests.allowed) return refused('requests', requests.retryAfterMs);
    if (!images.allowed) return refused('images', images.retryAfterMs);
    if (slotAsked && slotsLeft <= 0) return refused('concurrency', CONCURRENCY_RETRY_MS);
    // A spare ask takes at most a share of what is left after this request, so the limits hold
    // exactly and, as a tenant nears one, leasing ahead fades out: the last permits go one by one
    // to whichever isolate asks, not in blocks that would sit unused in one while another is refused.
    const spare: SpareAsk = {
      requests: clampSpare(ask.spare?.requests, requests.remaining),
      images: clampSpare(ask.spare?.images, images.remaining),
      slots: slotAsked ? clampSpare(ask.spare?.slots, slotsLeft - 1) : 0,
    };
    const requestInterval = LIMIT_WINDOW_MS / limits.requests_per_minute;
    const imageInterval = LIMIT_WINDOW_MS / limits.images_per_minute;
    this.#requestsTat = requests.tat + spare.requests * requestInterval;
    this.#imagesTat = images.tat + spare.images * imageInterval;
    let leaseId: string | null = null;
    if (ask.leaseMs !== null) {
      leaseId = crypto.randomUUID();
      this.#leases.set(leaseId, { until: now + ask.leaseMs, slots: 1 + spare.slots });
    }
    this.#save();
    return {
      ok: true,
      leaseId,
      spare,
      limits,
      remaining: {
        requests: requests.remaining - spare.requests,
        images: images.remaining - spare.images,
        concurrency: Math.max(0, slotsLeft - (slotAsked ? 1 + spare.slots : 0)),
      },
      resetMs: {
        requests: this.#requestsTat - now,
        images: this.#imagesTat - now,
      },
    };
  }

  /** Frees concurrency slots (idempotent). */
  async release(leaseIds: string | readonly string[]): Promise<void> {
    for (const leaseId of typeof leaseIds === 'string' ? [leaseIds] : leaseIds) this.#leases.delete(leaseId);
    this.#save();
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

  /** Slots leases still hold; expired leases (a release that never came) are dropped. */
  #inFlight(now: number): number {
    let slots = 0;
    for (const [leaseId, lease] of this.#leases) {
      if (lease.until <= now) this.#leases.delete(leaseId);
      else slots += lease.slots;
    }
    return slots;
  }

  /**
   * Moves the rate schedules to `limits` when they changed since the last request (an operator's
   * override, or the tier's defaults): what the tenant used this window is kept in units, so a
   * raise applies at once and a lowering leaves what was used counted. Returns whether they moved.
   */
  #keepUsedUnits(limits: TenantLimits, now: number): boolean {
    const was = this.#scheduledAt;
    this.#scheduledAt = { requests: limits.requests_per_minute, images: limits.images_per_minute };
    if (!was || (was.requests === limits.requests_per_minute && was.images === limits.images_per_minute)) {
      return false;
    }
    this.#requestsTat = rescaledTat(
      this.#requestsTat,
      now,
      was.requests,
      limits.requests_per_minute,
      LIMIT_WINDOW_MS,
    );
    this.#imagesTat = rescaledTat(
      this.#imagesTat,
      now,
      was.images,
      limits.images_per_minute,
      LIMIT_WINDOW_MS,
    );
    return true;
  }

  /**
   * Credits back rate permits an isolate leased and did not use: the schedules move back by as
   * many units, never before now (a quota that has refilled since cannot be refilled twice).
   */
  #credit(returned: ReturnedPermits, limits: TenantLimits, now: number): void {
    const back = (tat: number, units: number, limit: number) =>
      units > 0 ? Math.max(now, tat - (units * LIMIT_WINDOW_MS) / limit) : tat;
    this.#requestsTat = back(this.#requestsTat, returned.requests, limits.requests_per_minute);
    this.#imagesTat = back(this.#imagesTat, returned.images, limits.images_per_minute);
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

/** A spare ask within its share of what is left: whole, non-negative units. */
function clampSpare(asked: number | undefined, left: number): number {
  return Math.max(0, Math.min(Math.floor(asked ?? 0), Math.floor(left * SPARE_SHARE_OF_LEFT)));
}

function pick(input: number | null | undefined, current: number | null): number | null {
  return input === undefined ? current : input;
}
