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
  /**
   * The shared slot leases new requests take from, oldest first. Every one with a free slot is
   * lent: a burst's calls answered together each bring a lease, and keeping only the newest left
   * the others' spare slots held at the limiter, unused, until their own request ended.
   */
  leases: SlotLease[];
  /**
   * Spare permits asked in limiter calls not answered yet, so that a burst's concurrent calls ask
   * for one block between them rather than one each.
   */
  asked: { requests: number; images: number; slots: number };
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

  /**
   * A slot from a shared lease for a request whose deadline fits in it, or null. The newest lease
   * first, so that older ones empty, go idle and are released.
   */
  #reserveSlot(permits: TenantPermits, leaseMs: number, now: number): SlotLease | null {
    const slots = permits.leases.findLast((lease) => lendable(lease, leaseMs, now));
    if (!slots) return null;
    slots.inUse++;
    slots.lastUsedAt = now;
    permits.inFlight++;
    return slots;
  }

  /** Whether a request could take a slot held here now (one that came since it asked the limiter). */
  hasFreeSlot(tenantId: string, leaseMs: number, now: number): boolean {
    return this.#tenants.get(tenantId)?.leases.some((lease) => lendable(lease, leaseMs, now)) ?? false;
  }

  /**
   * What to ask the limiter for beyond this request (sized to this isolate's recent rate, within
   * the shares of the limits it last reported, less what is held and what calls in flight asked
   * for), and the unused rate permits to give back. Each ask is `answered` once its call settles.
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
    const { asked } = permits;
    const requestCap = Math.floor(limits.requests_per_minute * RATE_BLOCK_SHARE) - 1;
    const requestBlock = Math.max(0, Math.min(requestCap, Math.ceil(perBlock(permits.recentRequests)) - 1));
    const requests = Math.max(0, requestBlock - asked.requests);
    const imageCap = Math.floor(limits.images_per_minute * RATE_BLOCK_SHARE) - images - asked.images;
    const imagesWanted = requests > 0 ? Math.ceil(perBlock(permits.recentImages)) - images - asked.images : 0;
    // Slots for about as many requests as this isolate has in flight now, one more for growth.
    const slotCap = Math.floor(limits.concurrent_generations * SLOT_BLOCK_SHARE) - 1;
    const slotsWanted = Math.min(slotCap, permits.inFlight + 1) - freeSlots(permits.leases) - asked.slots;
    const spare = {
      requests,
      images: Math.max(0, Math.min(imageCap, imagesWanted)),
      slots: wantsSlot && requestBlock > 0 ? Math.max(0, slotsWanted) : 0,
    };
    asked.requests += spare.requests;
    asked.images += spare.images;
    asked.slots += spare.slots;
    return { spare, returned };
  }

  /** The limiter call that asked for `spare` settled (granted, refused or failed). */
  answered(tenantId: string, spare: SpareAsk): void {
    const asked = this.#tenants.get(tenantId)?.asked;
    if (!asked) return;
    asked.requests = Math.max(0, asked.requests - spare.requests);
    asked.images = Math.max(0, asked.images - spare.images);
    asked.slots = Math.max(0, asked.slots - spare.slots);
  }

  /**
   * Keeps what the limiter granted: its usage figures, the spare rate permits (added to those of
   * calls answered with it, all usable for `RATE_BLOCK_MS`), and the slot lease (`size` slots, one
   * of them this request's), lent to new requests alongside the others. Leases granted under another
   * concurrency limit are retired: a lowered limit is not lent past once this isolate has heard of
   * it. Returns this request's lease and the retired leases no request holds, to release.
   */
  granted(
    tenantId: string,
    grant: { usage: LimitUsage; spare: SpareAsk; leaseId: string | null; leaseUntil: number },
    now: number,
  ): { lease: SlotLease | null; retired: SlotLease[]; usage: LimitUsage } {
    const permits = this.#entry(tenantId, now);
    const concurrencyWas = permits.usage?.limits.concurrent_generations;
    const changed =
      concurrencyWas !== undefined && concurrencyWas !== grant.usage.limits.concurrent_generations;
    const retired = changed ? this.#retireAll(permits) : [];
    permits.usage = grant.usage;
    permits.requests += grant.spare.requests;
    permits.images += grant.spare.images;
    permits.rateUntil = now + RATE_BLOCK_MS;
    let lease: SlotLease | null = null;
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
      if (size > 1) permits.leases.push(lease);
    }
    return { lease, retired, usage: this.#seen(permits, grant.usage) };
  }

  /**
   * Stops using what this isolate learned of the tenant's limits (an operator changed them here):
   * held rate permits go back with its next call, and its slot leases are lent no more. Returns
   * the leases no request holds, to release.
   */
  forget(tenantId: string): SlotLease[] {
    const permits = this.#tenants.get(tenantId);
    if (!permits) return [];
    permits.rateUntil = 0;
    return this.#retireAll(permits);
  }

  /** Retires every shared lease; returns those no request holds (released by the caller). */
  #retireAll(permits: TenantPermits): SlotLease[] {
    for (const lease of permits.leases) lease.retired = true;
    const idle = permits.leases.filter((lease) => lease.inUse === 0);
    permits.leases = [];
    return idle;
  }

  /** A request's generation ended: its slot is free. Returns the lease to release, if it is done. */
  ended(tenantId: string, lease: SlotLease, now: number): SlotLease | null {
    const permits = this.#tenants.get(tenantId);
    if (permits) permits.inFlight = Math.max(0, permits.inFlight - 1);
    lease.inUse = Math.max(0, lease.inUse - 1);
    lease.lastUsedAt = now;
    if (lease.inUse > 0) return null;
    if (lease.retired) return lease;
    return permits?.leases.includes(lease) ? null : lease;
  }

  /** Retires a shared lease nobody used for `idleMs`, returning it for release; else null. */
  retireIfIdle(tenantId: string, lease: SlotLease, idleMs: number, now: number): SlotLease | null {
    if (lease.retired || lease.inUse > 0 || now - lease.lastUsedAt < idleMs) return null;
    lease.retired = true;
    const permits = this.#tenants.get(tenantId);
    if (permits) permits.leases = permits.leases.filter((lent) => lent !== lease);
    return lease;
  }

  /** The tenant's usage as this isolate sees it: the limiter's, plus the permits held here. */
  #seen(permits: TenantPermits, usage: LimitUsage): LimitUsage {
    return {
      ...usage,
      remaining: {
        requests: usage.remaining.requests + permits.requests,
        images: usage.remaining.images + permits.images,
        concurrency: usage.remaining.concurrency + freeSlots(permits.leases),
      },
    };
  }

  #entry(tenantId: string, now: number): TenantPermits {
    return boundedEntry(this.#tenants, tenantId, MAX_TENANTS, () => ({
      usage: null,
      requests: 0,
      images: 0,
      rateUntil: 0,
      leases: [],
      asked: { requests: 0, images: 0, slots: 0 },
      recentRequests: 0,
      recentImages: 0,
      recentAt: now,
      inFlight: 0,
    }));
  }
}

/** Whether a request with a deadline `leaseMs` away may take a slot from this lease now. */
function lendable(lease: SlotLease, leaseMs: number, now: number): boolean {
  return !lease.retired && lease.inUse < lease.size && now + leaseMs <= lease.until;
}

/** Slots the leases hold that no request uses. */
function freeSlots(leases: readonly SlotLease[]): number {
  return leases.reduce((free, lease) => free + lease.size - lease.inUse, 0);
}
