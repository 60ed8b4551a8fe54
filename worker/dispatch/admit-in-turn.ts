import type { Tier } from '../../shared/index.ts';
import type { SlotTurns } from '../admission/slot-turns.ts';
import type { Admittance } from './shedding.ts';

/** Who is asking, and what to judge it by. */
export interface TurnRequest {
  readonly tenantId: string;
  readonly tier: Tier;
  /** When the request arrived (epoch ms): its place among equals in the line. */
  readonly arrivedAt: number;
  /**
   * How long it may wait past its tier's slack for a turn (`SlotTurns.fairWaitMs`); `judge` must
   * not count that much of its wait against its tier's slowdown limit.
   */
  readonly fairWaitMs?: number;
  readonly signal?: AbortSignal | undefined;
  /** Judges the request against the fleet as it is at `at` (`admittance`). */
  readonly judge: (at: number) => Admittance;
  readonly now: () => number;
}

/**
 * Admits a request in its turn. One the fleet has no room for at its tier waits for a freed slot
 * (`SlotTurns`) as long as its tier's slack allows, judged again each time it is given one; one
 * that found room gives it to a waiter that outranks it (a higher tier, or a tenant served less
 * lately) and waits its own turn the same way. After its wait it is judged once more: room then
 * is its to take. A request whose tenant its tier has served less than most lately may also wait
 * `fairWaitMs` past its slack (`SlotTurns.fairWaitMs`).
 *
 * @example
 * const judged = await admitInTurn(deps.turns, first, { tenantId, tier, arrivedAt: now, judge, now: deps.now });
 * if (!judged.admitted) return refuse(judged.verdict.error);
 */
export async function admitInTurn(
  turns: SlotTurns,
  first: Admittance,
  request: TurnRequest,
): Promise<Admittance> {
  const { arrivedAt, fairWaitMs = 0 } = request;
  let judged = first;
  for (;;) {
    const yields = judged.admitted && turns.outranked(request.tenantId, request.tier);
    if (judged.admitted && !yields) break;
    const slackWaitMs = judged.admitted ? judged.maxWaitMs : judged.verdict.maxWaitMs;
    // A request with no slack left (its deadline, or a tier without a limit) is not kept for turns.
    if (!(slackWaitMs > 0)) break;
    const maxWaitMs = slackWaitMs + Math.max(0, fairWaitMs - (request.now() - arrivedAt));
    if (yields) turns.freed();
    const turn = await turns.wait({
      tenantId: request.tenantId,
      tier: request.tier,
      maxWaitMs,
      since: arrivedAt,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    judged = request.judge(request.now());
    if (!turn) break;
  }
  if (!judged.admitted && judged.verdict.wantsRoom) turns.refused(request.tenantId, request.tier);
  return judged;
}

/**
 * Takes the tenant's quota (`admit`, its limiter) for a request judged to have room, then judges
 * it again: the limiter call is real I/O, and while it was out other requests were judged on the
 * same fleet and may have taken that room. Nothing is awaited between the second judgement and the
 * pool call's start. A request refused by its limiter passes its room to the next in line; one
 * whose room went counts as refused for want of room, as in {@link admitInTurn}. A request with no
 * room, or no candidate at all (every pool stale, suspected or backing off), takes no quota.
 *
 * @example
 * const admitted = await withQuota(deps.turns, judged, { tenantId, tier }, admit, () => judge(deps.now()));
 */
export async function withQuota(
  turns: SlotTurns,
  judged: Admittance,
  who: Pick<TurnRequest, 'tenantId' | 'tier'>,
  admit: (() => Promise<void>) | undefined,
  judgeAgain: () => Admittance,
): Promise<Admittance> {
  if (!judged.admitted || judged.ranked.length === 0 || !admit) return judged;
  try {
    await admit();
  } catch (error) {
    turns.freed();
    throw error;
  }
  const again = judgeAgain();
  if (!again.admitted && again.verdict.wantsRoom) turns.refused(who.tenantId, who.tier);
  return again;
}
