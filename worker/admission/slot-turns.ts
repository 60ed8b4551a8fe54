import type { Tier } from '../../shared/index.ts';
import { halfLifeDecay } from './half-life.ts';
import { RoomRefusals, TIER_RANK } from './room-refusals.ts';

/** How often a waiter looks for its turn, ms: short against the slack it waits within. */
const TURN_POLL_MS = 2;
/** Half-life of a tenant's recent service, ms: long against a burst, short against a launch. */
const SERVICE_HALF_LIFE_MS = 10_000;
/** Tenants remembered at most; the least served lately are forgotten first. */
const MAX_TENANTS = 10_000;
/**
 * Tiers whose tenants, when served less lately than their tier's average, may wait past their
 * tier's slack for a turn instead of being refused. Free only: its promise is to be served at all
 * as the fleet fills, while paid's is latency, and its slack already gives it room for turns.
 */
const FAIR_WAIT_TIERS: ReadonlySet<Tier> = new Set<Tier>(['free']);
/** Most freed slots such a request waits past its slack: a burst is paced over a few of them. */
const FAIR_WAIT_SLOTS = 4;
/** Longest wait past the slack, ms, however rarely slots free. */
const MAX_FAIR_WAIT_MS = 1_000;
/** Weight of each new gap in the isolate's average time between freed slots. */
const SLOT_GAP_WEIGHT = 0.1;
/** A tier's average service lately is recomputed at most this often, ms. */
const TIER_MEAN_TTL_MS = 250;
/** Decayed images under which a tenant no longer counts among its tier's active tenants. */
const ACTIVE_SERVICE = 0.5;

interface Waiter {
  readonly tenantId: string;
  readonly tier: Tier;
  readonly since: number;
  /** Set by `freed`: this waiter has the turn. */
  given: boolean;
}

interface Served {
  amount: number;
  at: number;
}

interface TierMean {
  readonly mean: number;
  readonly at: number;
}

/**
 * The isolate's short line for requests its fleet has no room for at their tier right now.
 *
 * Shedding alone serves whoever arrives just after a slot frees: a tenant whose requests come in
 * bursts finds the fleet full for all but the first of each, and a pool stands idle between the
 * moment it frees a slot and the next arrival. Here such a request waits a little (the slack its
 * tier's slowdown limit leaves it), and each slot a pool frees goes to one waiter: the highest
 * tier first (and none to a tier below one refused in the last second), then the tenant this
 * isolate served least lately (decayed over ~10 s), then the oldest. It is then routed again; one
 * that still finds no room waits on until its time is up.
 *
 * @example
 * const turns = new SlotTurns(Date.now);
 * if (await turns.wait({ tenantId, tier, maxWaitMs: 20 })) route again;
 * turns.freed(); // one of this isolate's pool calls ended
 */
export class SlotTurns {
  readonly #now: () => number;
  readonly #waiters: Waiter[] = [];
  readonly #served = new Map<string, Served & { tier: Tier }>();
  /** Tenants refused lately, with their tier: the tenants the fleet is short of room for. */
  readonly #refused: RoomRefusals;
  readonly #tierMeans = new Map<Tier, TierMean>();
  #lastFreedAt: number | null = null;
  /** Average ms between freed slots in this isolate; null until two were seen. */
  #slotGapMs: number | null = null;

  constructor(now: () => number) {
    this.#now = now;
    this.#refused = new RoomRefusals(now, MAX_TENANTS);
  }

  /** Requests waiting now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Waits for a freed slot to be given to this request (true), or until `maxWaitMs` pass or
   * `signal` aborts (false).
   *
   * The request watches for its turn on its own timer instead of being woken: in a Worker, a
   * promise resolved from another request's handler runs its continuation there, and the woken
   * request's I/O (its timers, its pool call) then fails as "I/O on behalf of a different request".
   * So `freed` only marks the turn, and the request sees the mark within `TURN_POLL_MS`.
   */
  async wait(entry: {
    readonly tenantId: string;
    readonly tier: Tier;
    readonly maxWaitMs: number;
    readonly since?: number;
    readonly signal?: AbortSignal;
  }): Promise<boolean> {
    const { tenantId, tier, maxWaitMs, signal } = entry;
    if (!(maxWaitMs > 0) || signal?.aborted) return false;
    const waiter: Waiter = { tenantId, tier, since: entry.since ?? this.#now(), given: false };
    this.#waiters.push(waiter);
    const until = performance.now() + maxWaitMs;
    try {
      for (;;) {
        const left = until - performance.now();
        if (waiter.given) return true;
        if (left <= 0 || signal?.aborted) return false;
        await new Promise((resolve) => setTimeout(resolve, Math.min(TURN_POLL_MS, left)));
      }
    } finally {
      const at = this.#waiters.indexOf(waiter);
      if (at >= 0) this.#waiters.splice(at, 1);
    }
  }

  /**
   * Whether a request of this tenant that found room should give it to a waiter first: one of a
   * higher tier, or of its tier whose tenant this isolate served less lately.
   */
  outranked(tenantId: string, tier: Tier): boolean {
    if (this.#waiters.length === 0 && this.#refused.empty) return false;
    const served = this.servedLately(tenantId);
    const ahead = (otherId: string, otherTier: Tier) =>
      TIER_RANK[otherTier] > TIER_RANK[tier] ||
      (TIER_RANK[otherTier] === TIER_RANK[tier] && this.servedLately(otherId) < served);
    if (this.#waiters.some((waiter) => ahead(waiter.tenantId, waiter.tier))) return true;
    // A tenant refused lately that this one is ahead of: the room it found is held for a moment
    // (its wait), for that tenant's next request to take, and is this one's again if none does.
    for (const refused of this.#refused.live()) {
      if (refused.tenantId !== tenantId && ahead(refused.tenantId, refused.tier)) return true;
    }
    return false;
  }

  /** Whether a tier above this one was refused for want of room lately (it is short of room). */
  higherTierShortOfRoom(tier: Tier): boolean {
    return this.#refused.shortRank() > TIER_RANK[tier];
  }

  /** Whether any request waits for a turn, or any tier was refused for want of room lately. */
  shortOfRoom(): boolean {
    return this.#waiters.length > 0 || this.#refused.shortRank() >= 0;
  }

  /** Counts a request of the tenant refused for want of room (it is short of room lately). */
  refused(tenantId: string, tier: Tier): void {
    this.#refused.note(tenantId, tier);
  }

  /** A slot freed somewhere in the fleet: the next waiter in turn order is routed again. */
  freed(): void {
    this.#noteSlotGap();
    const next = this.#next();
    if (!next) return;
    next.given = true;
    this.#waiters.splice(this.#waiters.indexOf(next), 1);
  }

  /**
   * How long past its tier's slack a request of this tenant may wait for a turn (0: none). When
   * the fleet has no room, a request is judged again at the end of its wait, so the requests of a
   * burst, arriving together, meet the fleet at one moment and at most one of them finds room,
   * while a steady tenant's requests each meet it at their own. A tenant of a fair-wait tier
   * served less lately than its tier's active tenants on average has its burst paced instead:
   * each request waits one more freed slot (this isolate's average gap between them) than the one
   * of its tenant already waiting, up to a few, and at most a quarter of the `msToDeadline` it has
   * left. Who is served under overload is then decided by the tenant, not by how its requests are
   * spaced. That wait is not counted against the tier's slowdown limit: the request waits for a
   * turn it would otherwise lose to steadier tenants, not behind work on a pool.
   */
  fairWaitMs(tenantId: string, tier: Tier, msToDeadline = Number.POSITIVE_INFINITY): number {
    if (!FAIR_WAIT_TIERS.has(tier) || this.#slotGapMs === null) return 0;
    let ahead = 0;
    for (const waiter of this.#waiters) if (waiter.tenantId === tenantId) ahead += 1;
    if (ahead === 0 || this.servedLately(tenantId) >= this.#tierMean(tier)) return 0;
    const paced = Math.round(Math.min(ahead, FAIR_WAIT_SLOTS) * this.#slotGapMs);
    return Math.min(MAX_FAIR_WAIT_MS, paced, Math.max(0, msToDeadline / 4));
  }

  /**
   * How long the requests ahead of a refused one of this tier take to be served, ms: those of its
   * tier or above refused lately (they come back) and those waiting for a turn, one freed slot each
   * at this isolate's measured pace (its average gap between freed slots). Null before a pace was
   * measured. A refusal's `Retry-After` is at least this: under overload the fleet drains the work
   * it holds within a second, but the demand it turned away is still ahead of whoever retries.
   */
  demandWaitMs(tier: Tier): number | null {
    if (this.#slotGapMs === null) return null;
    const rank = TIER_RANK[tier];
    let ahead = 0;
    for (const refused of this.#refused.live())
      if (TIER_RANK[refused.tier] >= rank) ahead += refused.refusals;
    for (const waiter of this.#waiters) if (TIER_RANK[waiter.tier] >= rank) ahead += 1;
    return ahead * this.#slotGapMs;
  }

  /** Counts work this isolate sent for the tenant (its images), for the turn order. */
  served(tenantId: string, images: number, tier: Tier): void {
    const now = this.#now();
    const entry = this.#served.get(tenantId);
    if (entry) {
      entry.amount = decayed(entry, now) + images;
      entry.at = now;
      entry.tier = tier;
      return;
    }
    if (this.#served.size >= MAX_TENANTS) this.#forgetLeastServed(now);
    this.#served.set(tenantId, { amount: images, at: now, tier });
  }

  /** The tenant's service lately (decayed images). */
  servedLately(tenantId: string): number {
    const entry = this.#served.get(tenantId);
    return entry ? decayed(entry, this.#now()) : 0;
  }

  #next(): Waiter | undefined {
    // A higher tier refused lately still wants room: a lower tier's waiter does not take it
    // (free work queues first), so the slot stays for that tier's next request.
    const shortRank = this.#refused.shortRank();
    let best: Waiter | undefined;
    let bestServed = 0;
    for (const waiter of this.#waiters) {
      if (TIER_RANK[waiter.tier] < shortRank) continue;
      const served = this.servedLately(waiter.tenantId);
      if (
        best === undefined ||
        TIER_RANK[waiter.tier] > TIER_RANK[best.tier] ||
        (TIER_RANK[waiter.tier] === TIER_RANK[best.tier] &&
          (served < bestServed || (served === bestServed && waiter.since < best.since)))
      ) {
        best = waiter;
        bestServed = served;
      }
    }
    return best;
  }

  #forgetLeastServed(now: number): void {
    const ordered = [...this.#served].sort(([, a], [, b]) => decayed(a, now) - decayed(b, now));
    for (const [tenantId] of ordered.slice(0, Math.ceil(MAX_TENANTS / 10))) this.#served.delete(tenantId);
  }

  #noteSlotGap(): void {
    const now = this.#now();
    if (this.#lastFreedAt !== null) {
      const gap = Math.max(0, now - this.#lastFreedAt);
      // A gap longer than the longest fair wait is the isolate idling, not the pace of turns.
      if (gap <= MAX_FAIR_WAIT_MS)
        this.#slotGapMs =
          this.#slotGapMs === null ? gap : this.#slotGapMs + SLOT_GAP_WEIGHT * (gap - this.#slotGapMs);
    }
    this.#lastFreedAt = now;
  }

  /** Mean recent service of the tier's active tenants (0 when none), recomputed now and then. */
  #tierMean(tier: Tier): number {
    const now = this.#now();
    const cached = this.#tierMeans.get(tier);
    if (cached && now - cached.at < TIER_MEAN_TTL_MS) return cached.mean;
    let total = 0;
    let active = 0;
    for (const entry of this.#served.values()) {
      if (entry.tier !== tier) continue;
      const amount = decayed(entry, now);
      if (amount < ACTIVE_SERVICE) continue;
      total += amount;
      active += 1;
    }
    const mean = active === 0 ? 0 : total / active;
    this.#tierMeans.set(tier, { mean, at: now });
    return mean;
  }
}

function decayed(entry: Served, now: number): number {
  return halfLifeDecay(entry.amount, now - entry.at, SERVICE_HALF_LIFE_MS);
}
