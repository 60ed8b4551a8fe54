import type { JobRecord } from './job-record.ts';
import type { WaitingRoom } from './waiting-room.ts';

// Apart from the class, so code that only calls a waiting room does not load its implementation.

/** The waiting room of a model. */
export function waitingRoomFor(env: Env, model: string): DurableObjectStub<WaitingRoom> {
  return env.WAITING.getByName(`model:${model}`);
}

/** Spacing between the retries of consecutive turns in a waiting room. */
export const FAIR_TURN_SPACING_MS = 250;
/** Most a far turn adds to a job's retry delay: it is still retried, only later than those ahead. */
export const MAX_FAIR_TURN_DELAY_MS = 30_000;

/**
 * The extra delay of a job `position` turns back in its room: the jobs ahead are retried first,
 * so capacity that frees goes to them in their fair order.
 */
export function fairTurnDelayMs(position: number): number {
  return Math.min(MAX_FAIR_TURN_DELAY_MS, Math.max(0, position) * FAIR_TURN_SPACING_MS);
}

/**
 * Puts a job in its model's waiting room (again: it keeps `waitingSince`, its place in its
 * tenant's submission order) and answers its turn in the room's fair order; 0 when the room
 * cannot say, so a room that fails never holds a retry back.
 */
export function enterWaitingRoom(
  env: Env,
  record: Pick<JobRecord, 'id' | 'request' | 'deadlineAt' | 'tenant'>,
  waitingSince: number,
): Promise<number> {
  return waitingRoomFor(env, record.request.model ?? '')
    .enter(record.id, waitingSince, record.deadlineAt, record.tenant.id)
    .catch(() => 0);
}

/** Takes a job out of its model's waiting room; best effort, entries expire. */
export async function leaveWaitingRoom(env: Env, record: Pick<JobRecord, 'id' | 'request'>): Promise<void> {
  await waitingRoomFor(env, record.request.model ?? '')
    .leave(record.id)
    .catch(() => undefined);
}
