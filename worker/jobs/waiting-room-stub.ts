import type { Tier } from '../../shared/index.ts';
import type { JobRecord } from './job-record.ts';
import type { WaitingEntry, WaitingPlace, WaitingRoom } from './waiting-room.ts';

// Apart from the class, so code that only calls a waiting room does not load its implementation.

/** The waiting room of a model. */
export function waitingRoomFor(env: Env, model: string): DurableObjectStub<WaitingRoom> {
  return env.WAITING.getByName(`model:${model}`);
}

/** A tier's place in a waiting room's order: enterprise jobs first, then paid, then free. */
export const WAITING_TIER_RANK: Readonly<Record<Tier, number>> = { enterprise: 0, paid: 1, free: 2 };

/**
 * Puts a job in its model's waiting room (again: it keeps `waitingSince`, its place in its
 * tenant's submission order), not to be handed out before `notBefore`, and answers its position
 * in the room's fair order; 0 when the room cannot say (the job's own queue message still
 * dispatches it: `worker/jobs/job-consumer.ts`).
 */
export function enterWaitingRoom(
  env: Env,
  record: Pick<JobRecord, 'id' | 'request' | 'deadlineAt' | 'tenant'>,
  waitingSince: number,
  notBefore = 0,
): Promise<number> {
  const entry = entryOf(record, waitingSince);
  return waitingRoomFor(env, record.request.model ?? '')
    .enter(entry.jobId, entry.since, entry.until, entry.tenantId, entry.tierRank, notBefore)
    .catch(() => 0);
}

/** The job as it enters its room, waiting since `waitingSince`. */
function entryOf(
  record: Pick<JobRecord, 'id' | 'deadlineAt' | 'tenant'>,
  waitingSince: number,
): WaitingEntry {
  return {
    jobId: record.id,
    since: waitingSince,
    until: record.deadlineAt,
    tenantId: record.tenant.id,
    tierRank: WAITING_TIER_RANK[record.tenant.tier],
  };
}

/**
 * Takes a job out of its model's waiting room (`started`: it reached a pool, which the room's
 * drain rate counts); best effort, entries expire.
 */
export async function leaveWaitingRoom(
  env: Env,
  record: Pick<JobRecord, 'id' | 'request'>,
  started = false,
): Promise<void> {
  await waitingRoomFor(env, record.request.model ?? '')
    .leave(record.id, started)
    .catch(() => undefined);
}

/** The job's place in its model's waiting room; null when it is not there or the room cannot say. */
export function waitingPlaceOf(
  env: Env,
  record: Pick<JobRecord, 'id' | 'request'>,
  now: number,
): Promise<WaitingPlace | null> {
  return waitingRoomFor(env, record.request.model ?? '')
    .placeOf(record.id, now)
    .catch(() => null);
}

/**
 * Whether the watchdog should give a waiting job a new queue message (`WaitingRoom.needsTurn`);
 * true when the room cannot say, so a failing room never strands a job.
 */
export function needsTurn(
  env: Env,
  record: Pick<JobRecord, 'id' | 'request' | 'deadlineAt' | 'tenant'>,
  waitingSince: number,
  now: number,
  quietMs: number,
): Promise<boolean> {
  return waitingRoomFor(env, record.request.model ?? '')
    .needsTurn(entryOf(record, waitingSince), now, quietMs)
    .catch(() => true);
}
