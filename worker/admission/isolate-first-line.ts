import { boundedEntry } from '../../shared/bounded-map.ts';
import type { TenantLimits } from '../../shared/index.ts';
import type { LimitName, LimitUsage } from './admission-verdict.ts';
import { gcra } from './rate-window.ts';
import { LIMIT_WINDOW_MS } from './tenant-limiter.ts';

/** Tenants an isolate remembers; beyond that the oldest are forgotten (memory stays bounded). */
const MAX_TENANTS = 10_000;

/** A refusal the isolate gives without asking the tenant's limiter. */
export interface LocalRefusal {
  readonly limit: LimitName;
  readonly retryAfterMs: number;
  readonly usage: LimitUsage;
}

interface TenantMemory {
  /** Limits the tenant's limiter last reported (overrides included). */
  limits: TenantLimits;
  /** Until when the limiter said a rate limit refuses it, and its last usage figures. */
  blockedUntil: number;
  blockedBy: LimitName;
  usage: LimitUsage;
  /** This isolate's own sends on the same schedule as the limiter's (GCRA state). */
  requestsTat: number;
  imagesTat: number;
}

/**
 * The isolate's cheap first line: a tenant the limiter refused on a rate stays refused here until
 * its `Retry-After`, and a tenant this isolate alone has sent over its limit is refused, both with
 * no Durable Object round trip. Never refuses what the limiter would admit: the isolate's own
 * sends are a subset of the tenant's, counted with the limits the limiter last reported.
 */
export class IsolateFirstLine {
  readonly #tenants = new Map<string, TenantMemory>();

  /** A refusal decided locally, or null: ask the limiter. */
  check(tenantId: string, images: number, now: number): LocalRefusal | null {
    const memory = this.#tenants.get(tenantId);
    if (!memory) return null;
    if (memory.blockedUntil > now) {
      return { limit: memory.blockedBy, retryAfterMs: memory.blockedUntil - now, usage: memory.usage };
    }
    const { limits } = memory;
    const requests = gcra(memory.requestsTat, now, 1, limits.requests_per_minute, LIMIT_WINDOW_MS);
    const imageCheck = gcra(memory.imagesTat, now, images, limits.images_per_minute, LIMIT_WINDOW_MS);
    const refused = !requests.allowed ? requests : !imageCheck.allowed ? imageCheck : null;
    if (!refused) return null;
    return {
      limit: requests.allowed ? 'images' : 'requests',
      retryAfterMs: refused.retryAfterMs,
      usage: {
        limits,
        remaining: {
          requests: requests.remaining,
          images: imageCheck.remaining,
          concurrency: memory.usage.remaining.concurrency,
        },
        resetMs: { requests: requests.resetMs, images: imageCheck.resetMs },
      },
    };
  }

  /** Notes the limiter's verdict: admitted sends count locally; a rate refusal blocks until its time. */
  note(
    tenantId: string,
    images: number,
    verdict: { ok: boolean; limit?: LimitName; retryAfterMs?: number } & LimitUsage,
    now: number,
  ): void {
    const memory = boundedEntry(
      this.#tenants,
      tenantId,
      MAX_TENANTS,
      (): TenantMemory => ({
        limits: verdict.limits,
        blockedUntil: 0,
        blockedBy: 'requests',
        usage: verdict,
        requestsTat: 0,
        imagesTat: 0,
      }),
    );
    memory.limits = verdict.limits;
    memory.usage = verdict;
    if (verdict.ok) {
      const { limits } = verdict;
      memory.requestsTat = gcra(memory.requestsTat, now, 1, limits.requests_per_minute, LIMIT_WINDOW_MS).tat;
      memory.imagesTat = gcra(memory.imagesTat, now, images, limits.images_per_minute, LIMIT_WINDOW_MS).tat;
    } else if (verdict.limit !== undefined && verdict.limit !== 'concurrency') {
      // A concurrency refusal can clear any moment (a generation ends): only rates are remembered.
      memory.blockedUntil = now + (verdict.retryAfterMs ?? 0);
      memory.blockedBy = verdict.limit;
    }
  }
}
