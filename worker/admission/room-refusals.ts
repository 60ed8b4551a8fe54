import type { Tier } from '../../shared/index.ts';
import { halfLifeDecay } from './half-life.ts';

/** Half-life of a tenant's recent refusals, ms: it is short of room only while they are fresh. */
const REFUSAL_HALF_LIFE_MS = 1_000;
/** Decayed refusals below which a tenant no longer counts as short of room. */
const SHORT_OF_ROOM = 0.5;
/**
 * The highest tier short of room is recounted at most this often, ms: every judgement of every
 * request reads it, and a new refusal raises it at once. Short against the refusals' half-life.
 */
const SHORT_RANK_TTL_MS = 50;

/** Tiers in the order rooms go to them: a higher rank first. */
export const TIER_RANK: Readonly<Record<Tier, number>> = { free: 0, paid: 1, enterprise: 2 };

interface Refusals {
  amount: number;
  at: number;
  tier: Tier;
}

/**
 * The tenants an isolate refused for want of room lately (decayed with a 1 s half-life): the
 * tenants, and so the tiers, its fleet is short of room for (`SlotTurns`). Bounded: past
 * `maxTenants`, a new tenant's refusals are not kept.
 */
export class RoomRefusals {
  readonly #now: () => number;
  readonly #maxTenants: number;
  readonly #refused = new Map<string, Refusals>();
  #shortRankCounted: { rank: number; at: number } | null = null;

  constructor(now: () => number, maxTenants: number) {
    this.#now = now;
    this.#maxTenants = maxTenants;
  }

  /** Whether no tenant was refused lately (or none is remembered). */
  get empty(): boolean {
    return this.#refused.size === 0;
  }

  /** Counts a request of the tenant refused for want of room. */
  note(tenantId: string, tier: Tier): void {
    const now = this.#now();
    const entry = this.#refused.get(tenantId);
    if (entry) {
      entry.amount = decayedRefusals(entry, now) + 1;
      entry.at = now;
      entry.tier = tier;
    } else if (this.#refused.size < this.#maxTenants)
      this.#refused.set(tenantId, { amount: 1, at: now, tier });
    const counted = this.#shortRankCounted;
    if (counted) counted.rank = Math.max(counted.rank, TIER_RANK[tier]);
  }

  /** The tenants still short of room, with their tier and decayed refusals; the rest are forgotten. */
  *live(): Generator<{ readonly tenantId: string; readonly tier: Tier; readonly refusals: number }> {
    const now = this.#now();
    for (const [tenantId, entry] of this.#refused) {
      const refusals = decayedRefusals(entry, now);
      if (refusals < SHORT_OF_ROOM) this.#refused.delete(tenantId);
      else yield { tenantId, tier: entry.tier, refusals };
    }
  }

  /** The highest tier refused for want of room lately, as a rank; -1 when none is. */
  shortRank(): number {
    const now = this.#now();
    const counted = this.#shortRankCounted;
    if (counted && now - counted.at < SHORT_RANK_TTL_MS) return counted.rank;
    let shortRank = -1;
    for (const { tier } of this.live()) shortRank = Math.max(shortRank, TIER_RANK[tier]);
    this.#shortRankCounted = { rank: shortRank, at: now };
    return shortRank;
  }
}

function decayedRefusals(entry: Refusals, now: number): number {
  return halfLifeDecay(entry.amount, now - entry.at, REFUSAL_HALF_LIFE_MS);
}
