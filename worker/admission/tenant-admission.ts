import { ApiError, type TenantLimits, type Tier } from '../../shared/index.ts';
import type { AdmissionVerdict, LimitName, LimitUsage } from './admission-verdict.ts';
import { IsolateFirstLine } from './isolate-first-line.ts';
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
  /** Frees its concurrency slot (best effort, idempotent; a lost release expires with the lease). */
  release(): Promise<void>;
}

/**
 * How long a released slot waits for the tenant's next request to carry it to the limiter, ms:
 * short against a generation, so a tenant at its concurrency limit waits at most this much longer.
 */
const RELEASE_RIDE_MS = 25;

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
    if (local) throw refusal(local.limit, local.retryAfterMs, local.usage);
  }

  /**
   * Admits one request of `images` images, holding a concurrency slot for up to `leaseMs` (its
   * deadline) when given; throws `rate_limited` otherwise.
   */
  async admit(
    tenant: { readonly id: string; readonly tier: Tier },
    images: number,
    leaseMs: number | null,
  ): Promise<Admitted> {
    const { now } = this.#services;
    this.refuseKnownOverLimit(tenant.id, images);
    const ask: AdmissionAsk = { defaults: this.#services.tierLimits[tenant.tier], images, leaseMs };
    let verdict: AdmissionVerdict;
    const released = this.#takeReleases(tenant.id);
    try {
      verdict = await this.#services.limiterFor(tenant.id).acquire(ask, released);
    } catch (error) {
      this.#queueReleases(tenant.id, released);
      console.error(
        JSON.stringify({
          level: 'error',
          msg: 'tenant limiter unreachable; admitted',
          tenant_id: tenant.id,
          error: String(error),
        }),
      );
      return { headers: {}, release: async () => undefined };
    }
    this.#firstLine.note(tenant.id, images, verdict, now());
    if (!verdict.ok) throw refusal(verdict.limit, verdict.retryAfterMs, verdict);
    const { leaseId } = verdict;
    return {
      headers: rateLimitHeaders(verdict),
      release: () => (leaseId === null ? Promise.resolve() : this.#release(tenant.id, leaseId)),
    };
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

function refusal(limit: LimitName, retryAfterMs: number, usage: LimitUsage): ApiError {
  const quota =
    limit === 'requests'
      ? usage.limits.requests_per_minute
      : limit === 'images'
        ? usage.limits.images_per_minute
        : usage.limits.concurrent_generations;
  return new ApiError('rate_limited', `over this tenant's limit of ${quota} ${LIMIT_WORDS[limit]}`, {
    headers: {
      ...rateLimitHeaders(usage),
      'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    },
  });
}
