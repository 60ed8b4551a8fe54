import { boundedEntry } from '../../shared/bounded-map.ts';
import type { LimitUsage, ReturnedPermits, SpareAsk } from './admission-verdict.ts';
import { halfLifeDecay } from './half-life.ts';

/**
 * Share of a per-minute limit one isolate may hold unused (rate permits leased ahead of its next
 * requests). Small, so a tenant's quota never sits idle in one isolate while another is refused
 * for long; a limit below 1 / this share (free tenants' 60 a minute) is never leased ahead.
 */
export const RATE_BLOCK_SHARE = 1 / 100;
/** Share of the concurrency limit one isolate may hold in one slot lease (paid's 128: 16). */
export const SLOT_BLOCK_SHARE = 1 / 8;
/** How long leased rate permits stay usable; what is left goes back with the next limiter call. */
export const RATE_BLOCK_MS = 1_000;
/**
 * How much longer than its asking request's deadline a shared slot lease lasts, so that later
 * requests' deadlines fit in it; a lease whose release never comes (the isolate died) holds its
 * slots this much longer than a single request's would.
 */
export const SLOT_BLOCK_EXTRA_MS = 30_000;
/** Half-life of the tenant's recent request rate in this isolate, ms. */
const RATE_HALF_LIFE_MS = 1_000;
/** Tenants remembered at most; the oldest entry goes first. */
const MAX_TENANTS = 10_000;

/** A concurrency lease held by this isolate: one slot, or a block its requests share. */
export interface SlotLease {
  readonly leaseId: string;
  readonly size: number;
  /** Epoch ms the limiter frees it by itself. */
  readonly until: number;
  inUse: number;
  lastUsedAt: number;
  /** No longer lent to new requests: released once its last one ends. */
  retired: boolean;
  /** A request is waiting to release it if it stays idle. */
  idleWatched: boolean;
}

interface TenantPermits {
  usage: LimitUsage | null;
  requests: number;
  images: number;
  rateUntil: number;
  /** The shared slot lease new requests take from, if any. */
  slots: SlotLease | null;
  /** Decayed recent requests and images asked here (`RATE_HALF_LIFE_MS`). */
  recentRequests: number;
  recentImages: number;
  recentAt: number;
  /** This isolate's requests of the tenant holding a slot now. */
  inFlight: number;
}

/** A request admitted from permits this isolate holds: its usage figures and its slot, if any. */
export interface LocalGrant {
  readonly usage: LimitUsage;
  readonly lease: SlotLease | null;
}

/**
 * The tenant limiter's permits this isolate holds ahead of its requests. A busy tenant's requests
 * then mostly need no Durable Object call (one per block instead of one per request), while the
 * limiter still never grants past a limit: leased permits count as used there until given back.
 * What a block costs is fairness between isolates, bounded by its size: at most
 * `RATE_BLOCK_SHARE` of a rate and `SLOT_BLOCK_SHARE` of the concurrency per isolate, sized to
 * what this isolate has asked for lately, so a quiet tenant leases nothing ahead.
 *
 * @example
 * const { held, slot } = permits.take(tenantId, images, leaseMs, now);
 * if (!held) { const { spare, returned } = permits.askFor(tenantId, images, leaseMs !== null && !slot, now); … }
 */
export class PermitBlocks {
  readonly #tenants = new Map<string, TenantPermits>();

  /**
   * Counts the request and serves what held permits cover: all of it (`held`), or only its slot
   * from the shared lease (`slot`: the limiter is then asked for the rate alone), or nothing.
   */
  take(
    tenantId: string,
    images: number,
    leaseMs: number | null,
    now: number,
  ): { held: LocalGrant | null; slot: SlotLease | null } {
    const permits = this.#entry(tenantId, now);
    const sinceMs = now - permits.recentAt;
    permits.recentRequests = halfLifeDecay(permits.recentRequests, sinceMs, RATE_HALF_LIFE_MS) + 1;
    permits.recentImages = halfLifeDecay(permits.recentImages, sinceMs, RATE_HALF_LIFE_MS) + images;
    permits.recentAt = now;
    const slot = leaseMs === null ? null : this.#reserveSlot(permits, leaseMs, now);
    const { usage } = permits;
    const rateHeld =
      usage !== null && now < permits.rateUntil && permits.requests >= 1 && permits.images >= images;
    if (!rateHeld || (leaseMs !== null && !slot)) return { held: null, slot };
    permits.requests -= 1;
    permits.images -= images;
    return { held: { usage: this.#seen(permits, usage), lease: slot }, slot };
  }

  /** A slot from the shared lease for a request whose deadline fits in it, or null. */
  #reserveSlot(permits: TenantPermits, leaseMs: number, now: number): SlotLease | null {
    const slots = permits.slots;
    if (!slots || slots.retired || slots.inUse >= slots.size || now + leaseMs > slots.until) return null;
    slots.inUse++;
    slots.lastUsedAt = now;
    permits.inFlight++;
    return slots;
  }

  /**
   * What to ask the limiter for beyond this request (sized to this isolate's recent rate, within
   * the shares of the limits it last reported), and the unused rate permits to give back: the new
   * answer replaces them.
   */
  askFor(
    tenantId: string,
    images: number,
    wantsSlot: boolean,
    now: number,
  ): { spare: SpareAsk; returned: ReturnedPermits } {
    const permits = this.#entry(tenantId, now);
    const returned = { requests: permits.requests, images: permits.images };
    permits.requests = 0;
    permits.images = 0;
    const limits = permits.usage?.limits;
    if (!limits) return { spare: { requests: 0, images: 0, slots: 0 }, returned };
    // A steady rate r leaves about r x half-life / ln 2 in the decayed count.
    const perBlock = (recent: number) => (recent * Math.LN2 * RATE_BLOCK_MS) / RATE_HALF_LIFE_MS;
    const requestCap = Math.floor(limits.requests_per_minute * RATE_BLOCK_SHARE) - 1;
    const requests = Math.max(0, Math.min(requestCap, Math.ceil(perBlock(permits.recentRequests)) - 1));
    const imageCap = Math.floor(limits.images_per_minute * RATE_BLOCK_SHARE) - images;
    const imagesWanted = requests > 0 ? Math.ceil(perBlock(permits.recentImages)) - images : 0;
    // Slots for about as many requests as this isolate has in flight now, one more for growth.
    const slotCap = Math.floor(limits.concurrent_generations * SLOT_BLOCK_SHARE) - 1;
    const slots = wantsSlot && requests > 0 ? Math.max(0, Math.min(slotCap, permits.inFlight + 1)) : 0;
    return {
      spare: { requests, images: Math.max(0, Math.min(imageCap, imagesWanted)), slots },
      returned,
    };
  }

  /**
   * Keeps what the limiter granted: its usage figures, the spare rate permits (usable for
   * `RATE_BLOCK_MS`), and the slot lease (`size` slots, one of them this request's). A shared lease
   * becomes the one new requests take from; the one it replaces is retired (the caller releases it
   * now if it returns one). Returns this request's lease and any lease to release.
   */
  granted(
    tenantId: string,
    grant: { usage: LimitUsage; spare: SpareAsk; leaseId: string | null; leaseUntil: number },
    now: number,
  ): { lease: SlotLease | null; retired: SlotLease | null; usage: LimitUsage } {
    const permits = this.#entry(tenantId, now);
    permits.usage = grant.usage;
    permits.requests = grant.spare.requests;
    permits.images = grant.spare.images;
    permits.rateUntil = now + RATE_BLOCK_MS;
    let lease: SlotLease | null = null;
    let retired: SlotLease | null = null;
    if (grant.leaseId !== null) {
      permits.inFlight++;
      const size = 1 + grant.spare.slots;
      lease = {
        leaseId: grant.leaseId,
        size,
        until: grant.leaseUntil,
        inUse: 1,
        lastUsedAt: now,
        retired: size === 1,
        idleWatched: false,
      };
      if (size > 1) {
        if (permits.slots) {
          permits.slots.retired = true;
          if (permits.slots.inUse === 0) retired = permits.slots;
        }
        permits.slots = lease;
      }
    }
    return { lease, retired, usage: this.#seen(permits, grant.usage) };
  }

  /** A request's generation ended: its slot is free. Returns the lease to release, if it is done. */
  ended(tenantId: string, lease: SlotLease, now: number): SlotLease | null {
    const permits = this.#tenants.get(tenantId);
    if (permits) permits.inFlight = Math.max(0, permits.inFlight - 1);
    lease.inUse = Math.max(0, lease.inUse - 1);
    lease.lastUsedAt = now;
    if (lease.inUse > 0) return null;
    if (lease.retired) return lease;
    return permits?.slots === lease ? null : lease;
  }

  /** Retires a shared lease nobody used for `idleMs`, returning it for release; else null. */
  retireIfIdle(tenantId: string, lease: SlotLease, idleMs: number, now: number): SlotLease | null {
    if (lease.retired || lease.inUse > 0 || now - lease.lastUsedAt < idleMs) return null;
    lease.retired = true;
    const permits = this.#tenants.get(tenantId);
    if (permits?.slots === lease) permits.slots = null;
    return lease;
  }

  /** The tenant's usage as this isolate sees it: the limiter's, plus the permits held here. */
  #seen(permits: TenantPermits, usage: LimitUsage): LimitUsage {
    const slots = permits.slots;
    return {
      ...usage,
      remaining: {
        requests: usage.remaining.requests + permits.requests,
        images: usage.remaining.images + permits.images,
        concurrency: usage.remaining.concurrency + (slots && !slots.retired ? slots.size - slots.inUse : 0),
      },
    };
  }

  #entry(tenantId: string, now: number): TenantPermits {
    return boundedEntry(this.#tenants, tenantId, MAX_TENANTS, () => ({
      usage: null,
      requests: 0,
      images: 0,
      rateUntil: 0,
      slots: null,
      recentRequests: 0,
      recentImages: 0,
      recentAt: now,
      inFlight: 0,
    }));
  }
}
