import type { Tier } from '../../shared/index.ts';

/** How often a waiter looks for its turn, ms: short against the slack it waits within. */
const TURN_POLL_MS = 2;
/** Half-life of a tenant's recent service, ms: long against a burst, short against a launch. */
const SERVICE_HALF_LIFE_MS = 10_000;
/** Half-life of a tenant's recent refusals, ms: it is short of room only while they are fresh. */
const REFUSAL_HALF_LIFE_MS = 1_000;
/** Decayed refusals below which a tenant no longer counts as short of room. */
const SHORT_OF_ROOM = 0.5;
/** Tenants remembered at most; the least served lately are forgotten first. */
const MAX_TENANTS = 10_000;
const TIER_RANK: Record<Tier, number> = { free: 0, paid: 1, enterprise: 2 };

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
  readonly #served = new Map<string, Served>();
  /** Tenants refused lately, with their tier: the tenants the fleet is short of room for. */
  readonly #refused = new Map<string, Served & { tier: Tier }>();

  constructor(now: () => number) {
    this.#now = now;
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
    if (this.#waiters.length === 0 && this.#refused.size === 0) return false;
    const served = this.servedLately(tenantId);
    const ahead = (otherId: string, otherTier: Tier) =>
      TIER_RANK[otherTier] > TIER_RANK[tier] ||
      (TIER_RANK[otherTier] === TIER_RANK[tier] && this.servedLately(otherId) < served);
    if (this.#waiters.some((waiter) => ahead(waiter.tenantId, waiter.tier))) return true;
    // A tenant refused lately that this one is ahead of: the room it found is held for a moment
    // (its wait), for that tenant's next request to take, and is this one's again if none does.
    const now = this.#now();
    for (const [otherId, refusals] of this.#refused) {
      if (decayedOver(refusals, now, REFUSAL_HALF_LIFE_MS) < SHORT_OF_ROOM) this.#refused.delete(otherId);
      else if (otherId !== tenantId && ahead(otherId, refusals.tier)) return true;
    }
    return false;
  }

  /** Counts a request of the tenant refused for want of room (it is short of room lately). */
  refused(tenantId: string, tier: Tier): void {
    const now = this.#now();
    const entry = this.#refused.get(tenantId);
    if (entry) {
      entry.amount = decayedOver(entry, now, REFUSAL_HALF_LIFE_MS) + 1;
      entry.at = now;
      entry.tier = tier;
    } else if (this.#refused.size < MAX_TENANTS) this.#refused.set(tenantId, { amount: 1, at: now, tier });
  }

  /** A slot freed somewhere in the fleet: the next waiter in turn order is routed again. */
  freed(): void {
    const next = this.#next();
    if (!next) return;
    next.given = true;
    this.#waiters.splice(this.#waiters.indexOf(next), 1);
  }

  /** Counts work this isolate sent for the tenant (its images), for the turn order. */
  served(tenantId: string, images: number): void {
    const now = this.#now();
    const entry = this.#served.get(tenantId);
    if (entry) {
      entry.amount = decayed(entry, now) + images;
      entry.at = now;
      return;
    }
    if (this.#served.size >= MAX_TENANTS) this.#forgetLeastServed(now);
    this.#served.set(tenantId, { amount: images, at: now });
  }

  /** The tenant's service lately (decayed images). */
  servedLately(tenantId: string): number {
    const entry = this.#served.get(tenantId);
    return entry ? decayed(entry, this.#now()) : 0;
  }

  #next(): Waiter | undefined {
    // A higher tier refused lately still wants room: a lower tier's waiter does not take it
    // (free work queues first), so the slot stays for that tier's next request.
    const now = this.#now();
    let shortRank = -1;
    for (const refusals of this.#refused.values()) {
      if (decayedOver(refusals, now, REFUSAL_HALF_LIFE_MS) >= SHORT_OF_ROOM) {
        shortRank = Math.max(shortRank, TIER_RANK[refusals.tier]);
      }
    }
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
}

function decayed(entry: Served, now: number): number {
  return decayedOver(entry, now, SERVICE_HALF_LIFE_MS);
}

function decayedOver(entry: Served, now: number, halfLifeMs: number): number {
  return entry.amount * 0.5 ** (Math.max(0, now - entry.at) / halfLifeMs);
}
