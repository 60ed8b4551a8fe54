import type { WaitingRoom } from './waiting-room.ts';

// Apart from the class, so code that only calls a waiting room does not load its implementation.

/** The waiting room of a model. */
export function waitingRoomFor(env: Env, model: string): DurableObjectStub<WaitingRoom> {
  return env.WAITING.getByName(`model:${model}`);
}
