import { boundedEntry } from '../../shared/bounded-map.ts';
import type { TenantLimits } from '../../shared/index.ts';
import type { LimitName, LimitUsage } from './admission-verdict.ts';
import { gcra, rescaledTat } from './rate-window.ts';
import { LIMIT_WINDOW_MS } from './tenant-limiter.ts';

/** Tenants an isolate remembers; beyond that the oldest are forgotten (memory stays bounded). */
const MAX_TENANTS = 10_000;
/**
 * How long an isolate acts on what its tenant's limiter last told it, ms. An operator's change of a
 * limit is made at the limiter, which cannot tell the isolates: this bounds how long one goes on
 * refusing by the old limit. A tenant hammering past a limit costs its limiter one call this often
 * per isolate.
 */
export const LIMITS_TRUSTED_MS = 1_000;

/** A refusal the isolate gives without asking the tenant's limiter. */
export interface LocalRefusal {
  readonly limit: LimitName;
  readonly retryAfterMs: number;
  readonly usage: LimitUsage;
}

interface TenantMemory {
  /** Limits the tenant's limiter last reported (overrides included). */
  limits: TenantLimits;
  /**
   * When the limiter was last asked about the tenant from here, or answered: what it said is acted
   * on for `LIMITS_TRUSTED_MS` after, then one request goes on to ask it again.
   */
  checkedAt: number;
  /** Until when the limiter said a rate limit refuses it, and its last usage figures. */
  blockedUntil: number;
  blockedBy: LimitName;
  /**
   * Images of the request the images limit refused: only a request as large is refused by that
   * block, as a smaller one may fit what is left (one of 4 images refused for 44 s must not hold
   * back one of 1 for which there is room).
   */
  blockedImages: number;
  usage: LimitUsage;
  /** This isolate's own sends on the same schedule as the limiter's (GCRA state). */
  requestsTat: number;
  imagesTat: number;
}

/** A limiter's verdict as the first line reads it. */
type NotedVerdict = {
  ok: boolean;
  limit?: LimitName;
  retryAfterMs?: number | null;
  /** Permits the limiter granted this isolate ahead (counted here as they are used). */
  spare?: { readonly requests: number; readonly images: number };
} & LimitUsage;

/**
 * The isolate's cheap first line: a tenant the limiter refused on a rate stays refused here until
 * its `Retry-After`, and a tenant this isolate alone has sent over its limit is refused, both with
 * no Durable Object round trip. Never refuses what the limiter would admit: the isolate's own
 * sends are a subset of the tenant's, counted with the limits the limiter last reported, and only
 * for `LIMITS_TRUSTED_MS` after it reported them, so that a changed limit is soon asked about.
 */
export class IsolateFirstLine {
  readonly #tenants = new Map<string, TenantMemory>();

  /** A refusal decided locally, or null: ask the limiter. */
  check(tenantId: string, images: number, now: number): LocalRefusal | null {
    const memory = this.#tenants.get(tenantId);
    if (!memory || now - memory.checkedAt >= LIMITS_TRUSTED_MS) return null;
    const blocks = memory.blockedBy === 'requests' || images >= memory.blockedImages;
    if (memory.blockedUntil > now && blocks) {
      return { limit: memory.blockedBy, retryAfterMs: memory.blockedUntil - now, usage: memory.usage };
    }
    const { limits } = memory;
    // Larger than the whole images limit: the limiter refuses it for good, without blocking the tenant.
    if (images > limits.images_per_minute) return null;
    const requests = gcra(memory.requestsTat, now, 1, limits.requests_per_minute, LIMIT_WINDOW_MS);
    const imageCheck = gcra(memory.imagesTat, now, images, limits.images_per_minute, LIMIT_WINDOW_MS);
    const refused = !requests.allowed ? requests : !imageCheck.allowed ? imageCheck : null;
    if (!refused) return null;
    return {
      limit: requests.allowed ? 'images' : 'requests',
      // Never null here: a request larger than the whole limit was left to the limiter above.
      retryAfterMs: refused.retryAfterMs ?? 0,
      usage: {
        limits,
        // Refused, it takes nothing: each quota as it was before it.
        remaining: {
          requests: requests.untaken,
          images: imageCheck.untaken,
          concurrency: memory.usage.remaining.concurrency,
        },
        resetMs: { requests: requests.untakenResetMs, images: imageCheck.untakenResetMs },
      },
    };
  }

  /** Notes the limiter's verdict: admitted sends count locally; a rate refusal blocks until its time. */
  note(tenantId: string, images: number, verdict: NotedVerdict, now: number): void {
    const memory = boundedEntry(
      this.#tenants,
      tenantId,
      MAX_TENANTS,
      (): TenantMemory => ({
        limits: verdict.limits,
        checkedAt: now,
        blockedUntil: 0,
        blockedBy: 'requests',
        blockedImages: 0,
        usage: verdict,
        requestsTat: 0,
        imagesTat: 0,
      }),
    );
    const was = memory.limits;
    const is = verdict.limits;
    // Own sends kept in units across a change of limit, as the limiter keeps the tenant's.
    memory.requestsTat = rescaledTat(
      memory.requestsTat,
      now,
      was.requests_per_minute,
      is.requests_per_minute,
      LIMIT_WINDOW_MS,
    );
    memory.imagesTat = rescaledTat(
      memory.imagesTat,
      now,
      was.images_per_minute,
      is.images_per_minute,
      LIMIT_WINDOW_MS,
    );
    memory.limits = is;
    memory.checkedAt = now;
    memory.usage = verdict;
    if (verdict.ok) {
      memory.blockedUntil = 0;
      this.counted(tenantId, images, now);
    }
    // The limiter's schedules hold every isolate's sends (its reset time is its schedule), and the
    // permits it granted ahead, which are counted here as they are used: from there on own sends
    // are a lower bound of the tenant's, even for a memory made anew (after `forget`), whose own
    // count would otherwise start from nothing and report a quota it does not have.
    const spare = verdict.ok ? verdict.spare : undefined;
    const requestInterval = LIMIT_WINDOW_MS / is.requests_per_minute;
    const imageInterval = LIMIT_WINDOW_MS / is.images_per_minute;
    memory.requestsTat = Math.max(
      memory.requestsTat,
      now + verdict.resetMs.requests - (spare?.requests ?? 0) * requestInterval,
    );
    memory.imagesTat = Math.max(
      memory.imagesTat,
      now + verdict.resetMs.images - (spare?.images ?? 0) * imageInterval,
    );
    if (
      !verdict.ok &&
      verdict.limit !== undefined &&
      verdict.limit !== 'concurrency' &&
      typeof verdict.retryAfterMs === 'number'
    ) {
      // A concurrency refusal can clear any moment (a generation ends), and a request larger than
      // a whole limit blocks nothing: only rates the tenant is over are remembered.
      memory.blockedUntil = now + verdict.retryAfterMs;
      memory.blockedBy = verdict.limit;
      memory.blockedImages = images;
    }
  }

  /**
   * A request of the tenant is asking its limiter now: until it answers (or another
   * `LIMITS_TRUSTED_MS` passes), the tenant's other requests here are judged on what is known
   * rather than all going on to ask too.
   */
  asking(tenantId: string, now: number): void {
    const memory = this.#tenants.get(tenantId);
    if (memory) memory.checkedAt = now;
  }

  /** Counts a send admitted without asking the limiter (from permits this isolate held). */
  counted(tenantId: string, images: number, now: number): void {
    const memory = this.#tenants.get(tenantId);
    if (!memory) return;
    const { limits } = memory;
    memory.requestsTat = gcra(memory.requestsTat, now, 1, limits.requests_per_minute, LIMIT_WINDOW_MS).tat;
    memory.imagesTat = gcra(memory.imagesTat, now, images, limits.images_per_minute, LIMIT_WINDOW_MS).tat;
  }

  /** Forgets the tenant (its limits were changed from this isolate): its next request asks the limiter. */
  forget(tenantId: string): void {
    this.#tenants.delete(tenantId);
  }
}
