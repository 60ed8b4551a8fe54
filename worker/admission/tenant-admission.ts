import { ApiError, type TenantLimits, type Tier } from '../../shared/index.ts';
import type { AdmissionSource, AdmissionVerdict, LimitName, LimitUsage } from './admission-verdict.ts';
import { IsolateFirstLine } from './isolate-first-line.ts';
import { PermitBlocks, SLOT_BLOCK_EXTRA_MS, type SlotLease } from './permit-blocks.ts';
import { rateLimitHeaders } from './rate-limit-headers.ts';
import type { AdmissionAsk, TenantLimiter } from './tenant-limiter.ts';

/** What admission needs from the isolate. */
export interface AdmissionServices {
  /** The tenant's limiter object. */
  readonly limiterFor: (tenantId: string) => DurableObjectStub<TenantLimiter>;
  /** Each tier's default limits (config `TIER_LIMITS` over `DEFAULT_TIER_LIMITS`). */
  readonly tierLimits: Readonly<Record<Tier, TenantLimits>>;
  readonly now: () => number;
}

/** An admitted request: headers for its answer, and the slot to give back when it ends. */
export interface Admitted {
  readonly headers: Readonly<Record<string, string>>;
  /** Whether its limiter was asked (`spillway_admissions_total`). */
  readonly source: AdmissionSource;
  /** Frees its concurrency slot (best effort, idempotent; a lost release expires with the lease). */
  release(): Promise<void>;
}

/**
 * How long a released slot waits for the tenant's next request to carry it to the limiter, ms:
 * short against a generation, so a tenant at its concurrency limit waits at most this much longer.
 */
const RELEASE_RIDE_MS = 25;
/**
 * How long a shared slot lease with no request on it waits for the tenant's next one before it
 * is released, ms: long against the gap between a busy tenant's requests.
 */
const SHARED_LEASE_IDLE_MS = 250;
/** How many idle periods one request watches a shared lease for before leaving it. */
const MAX_IDLE_LOOKS = 8;

const LIMIT_WORDS: Record<LimitName, string> = {
  requests: 'requests per minute',
  images: 'images per minute',
  concurrency: 'concurrent generations',
};

/**
 * Admission by tenant: the isolate's first line (`IsolateFirstLine`), then the tenant's limiter
 * (`TenantLimiter`), exact. Over a limit: `rate_limited` (429) with `Retry-After` and the
 * `RateLimit-Policy` / `RateLimit` headers. A limiter that cannot be reached admits (logged):
 * limits protect the fleet, and an outage of them must not become an outage of generation.
 *
 * @example
 * const admitted = await deps.admission.admit({ id: 'acme', tier: 'paid' }, request.n, 60_000);
 * try { … } finally { context.executionCtx.waitUntil(admitted.release()); }
 */
export class TenantAdmission {
  readonly #services: AdmissionServices;
  readonly #firstLine = new IsolateFirstLine();
  readonly #permits = new PermitBlocks();
  /** Slots given back and not yet told to their tenant's limiter, by tenant. */
  readonly #releases = new Map<string, string[]>();

  constructor(services: AdmissionServices) {
    this.#services = services;
  }

  /**
   * Refuses, with no limiter call, a tenant this isolate already knows to be over a rate limit
   * (`IsolateFirstLine`): abuse is turned away before any routing work. `admit` checks it again.
   */
  refuseKnownOverLimit(tenantId: string, images: number): void {
    const local = this.#firstLine.check(tenantId, images, this.#services.now());
    if (local) throw refusal(local.limit, local.retryAfterMs, local.usage, images);
  }

  /**
   * Forgets what this isolate learned of the tenant's limits, after an operator changed them from
   * it: the tenant's next request here asks its limiter, which applies the change. Slot leases no
   * request holds are given back with that call (or expire at the limiter if none comes).
   */
  forget(tenantId: string): void {
    this.#firstLine.forget(tenantId);
    const idle = this.#permits.forget(tenantId);
    this.#queueReleases(
      tenantId,
      idle.map((lease) => lease.leaseId),
    );
  }

  /**
   * Admits one request of `images` images, holding a concurrency slot for up to `leaseMs` (its
   * deadline) when given; throws `rate_limited` otherwise. A busy tenant's request is mostly served
   * from permits this isolate leased with an earlier one (`PermitBlocks`), with no limiter call.
   * `waitUntil` keeps the giving back of a slot reserved for a refused request alive past its answer.
   */
  async admit(
    tenant: { readonly id: string; readonly tier: Tier },
    images: number,
    leaseMs: number | null,
    waitUntil?: (promise: Promise<unknown>) => void,
  ): Promise<Admitted> {
    return this.#admit(tenant, images, leaseMs, waitUntil, true);
  }

  /**
   * `admit`; `mayRetry`: a request refused for concurrency while a slot came to be held here (a
   * lease another call brought back meanwhile) takes that slot, once, rather than be refused.
   */
  async #admit(
    tenant: { readonly id: string; readonly tier: Tier },
    images: number,
    leaseMs: number | null,
    waitUntil: ((promise: Promise<unknown>) => void) | undefined,
    mayRetry: boolean,
  ): Promise<Admitted> {
    const { now } = this.#services;
    this.refuseKnownOverLimit(tenant.id, images);
    const askedAt = now();
    const { held, slot: slotHere } = this.#permits.take(tenant.id, images, leaseMs, askedAt);
    if (held) {
      this.#firstLine.counted(tenant.id, images, askedAt);
      return this.#admitted(tenant.id, 'held', held.usage, held.lease);
    }
    const slotAsked = leaseMs !== null && !slotHere;
    const { spare, returned } = this.#permits.askFor(tenant.id, images, slotAsked, askedAt);
    // A shared slot lease outlives this request's deadline, so later requests' deadlines fit in it.
    const leaseFor = !slotAsked ? null : spare.slots > 0 ? leaseMs + SLOT_BLOCK_EXTRA_MS : leaseMs;
    const ask: AdmissionAsk = {
      defaults: this.#services.tierLimits[tenant.tier],
      images,
      leaseMs: leaseFor,
      spare,
      returned,
    };
    let verdict: AdmissionVerdict;
    const released = this.#takeReleases(tenant.id);
    this.#firstLine.asking(tenant.id, askedAt);
    try {
      verdict = await this.#services.limiterFor(tenant.id).acquire(ask, released);
      this.#permits.answered(tenant.id, spare);
    } catch (error) {
      this.#permits.answered(tenant.id, spare);
      this.#queueReleases(tenant.id, released);
      if (slotHere) this.#giveBack(tenant.id, slotHere, waitUntil);
      console.error(
        JSON.stringify({
          level: 'error',
          msg: 'tenant limiter unreachable; admitted',
          tenant_id: tenant.id,
          error: String(error),
        }),
      );
      return { headers: {}, source: 'unchecked', release: async () => undefined };
    }
    this.#firstLine.note(tenant.id, images, verdict, now());
    if (!verdict.ok) {
      if (slotHere) this.#giveBack(tenant.id, slotHere, waitUntil);
      const slotCameMeanwhile =
        verdict.limit === 'concurrency' &&
        leaseMs !== null &&
        this.#permits.hasFreeSlot(tenant.id, leaseMs, now());
      if (mayRetry && slotCameMeanwhile) {
        return this.#admit(tenant, images, leaseMs, waitUntil, false);
      }
      throw refusal(verdict.limit, verdict.retryAfterMs, verdict, images);
    }
    const kept = this.#permits.granted(
      tenant.id,
      {
        usage: verdict,
        spare: verdict.spare,
        leaseId: verdict.leaseId,
        leaseUntil: askedAt + (leaseFor ?? 0),
      },
      now(),
    );
    return this.#admitted(tenant.id, 'limiter', kept.usage, slotHere ?? kept.lease, kept.retired);
  }

  /**
   * Gives back a slot reserved for a request that was not admitted after all, as an admitted
   * request's end does: a shared lease it was the last to use is watched and released once idle.
   * Its watch may have been left by the request before it, which saw this one's reservation.
   */
  #giveBack(tenantId: string, lease: SlotLease, waitUntil?: (promise: Promise<unknown>) => void): void {
    const ending = this.#ended(tenantId, lease).catch(() => undefined);
    waitUntil?.(ending);
  }

  /** The admitted request; its release also gives back the idle leases its grant retired. */
  #admitted(
    tenantId: string,
    source: AdmissionSource,
    usage: LimitUsage,
    lease: SlotLease | null,
    retired: readonly SlotLease[] = [],
  ): Admitted {
    return {
      headers: rateLimitHeaders(usage),
      source,
      release: async () => {
        await Promise.all(retired.map((idle) => this.#release(tenantId, idle.leaseId)));
        if (lease) await this.#ended(tenantId, lease);
      },
    };
  }

  /**
   * A request's slot is free. A lease no request holds any more is released; a shared one this
   * isolate still lends is released once no request has used it for `SHARED_LEASE_IDLE_MS`. One
   * request at a time watches a lease for that (`idleWatched`), not one timer per request.
   */
  async #ended(tenantId: string, lease: SlotLease): Promise<void> {
    const { now } = this.#services;
    const done = this.#permits.ended(tenantId, lease, now());
    if (done) return this.#release(tenantId, done.leaseId);
    if (lease.inUse > 0 || lease.idleWatched) return;
    lease.idleWatched = true;
    try {
      // Bounded: a lease nobody watches any more still frees itself at the limiter when it expires.
      for (let look = 0; look < MAX_IDLE_LOOKS; look++) {
        const idleFor = now() - lease.lastUsedAt;
        if (idleFor < SHARED_LEASE_IDLE_MS) {
          await new Promise((resolve) => setTimeout(resolve, SHARED_LEASE_IDLE_MS - idleFor));
        }
        // In use again: the request that frees it last watches it next.
        if (lease.inUse > 0 || lease.retired) return;
        const idle = this.#permits.retireIfIdle(tenantId, lease, SHARED_LEASE_IDLE_MS, now());
        if (idle) return await this.#release(tenantId, idle.leaseId);
      }
    } finally {
      lease.idleWatched = false;
    }
  }

  /**
   * Gives a slot back. It rides on the tenant's next request from this isolate if one comes within
   * `RELEASE_RIDE_MS` (under load, most do: one limiter call per request instead of two); else it
   * is sent, with any others waiting, from this request's own `waitUntil`. Each request awaits only
   * its own calls: a Worker cannot wait on I/O another request started.
   */
  async #release(tenantId: string, leaseId: string): Promise<void> {
    this.#queueReleases(tenantId, [leaseId]);
    await new Promise((resolve) => setTimeout(resolve, RELEASE_RIDE_MS));
    if (!this.#releases.get(tenantId)?.includes(leaseId)) return;
    const leaseIds = this.#takeReleases(tenantId);
    await this.#services
      .limiterFor(tenantId)
      .release(leaseIds)
      .catch(() => undefined);
  }

  #queueReleases(tenantId: string, leaseIds: readonly string[]): void {
    if (leaseIds.length === 0) return;
    const queued = this.#releases.get(tenantId);
    if (queued) queued.push(...leaseIds);
    else this.#releases.set(tenantId, [...leaseIds]);
  }

  #takeReleases(tenantId: string): string[] {
    const queued = this.#releases.get(tenantId) ?? [];
    this.#releases.delete(tenantId);
    return queued;
  }
}

/**
 * The error for a refused request: 429 `rate_limited` with `Retry-After`, or, for a request that
 * alone is more than the whole limit (`retryAfterMs` null), 400 `invalid_request` on `n` with no
 * `Retry-After`: no wait admits it, and a client retrying a 429 would only be refused again.
 */
function refusal(limit: LimitName, retryAfterMs: number | null, usage: LimitUsage, images: number): ApiError {
  const quota =
    limit === 'requests'
      ? usage.limits.requests_per_minute
      : limit === 'images'
        ? usage.limits.images_per_minute
        : usage.limits.concurrent_generations;
  if (retryAfterMs === null) {
    return new ApiError(
      'invalid_request',
      `n is ${images}, more than this tenant's limit of ${quota} ${LIMIT_WORDS[limit]}: no wait admits it; ask for at most ${quota}`,
      { param: 'n', headers: rateLimitHeaders(usage) },
    );
  }
  return new ApiError('rate_limited', `over this tenant's limit of ${quota} ${LIMIT_WORDS[limit]}`, {
    headers: {
      ...rateLimitHeaders(usage),
      'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    },
  });
}
