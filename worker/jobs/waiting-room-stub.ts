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
