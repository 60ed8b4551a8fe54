/** Most images ahead a wait estimate walks: past them the estimate says "at least this long". */
export const MAX_IMAGES_AHEAD_ESTIMATED = 1_024;

/**
 * Batch steps until a waiting image gets a slot on a continuous batcher, as gpu-node runs one:
 * each running image holds its slot for the steps it has left, the images queued ahead take the
 * slots in order as they free (each holding one for its own steps), and the waiting image takes
 * the first slot free after them. A queue's position says how many images are ahead, not how
 * long they hold their slots: behind four 50-step images a 4-step image waits 50 steps, behind a
 * batch of 4-step images it waits 4, and a router that counts images cannot tell the two apart.
 *
 * Steps, not ms: the batch's step time is the caller's (the pool's measured curve at its batch).
 * Images ahead past {@link MAX_IMAGES_AHEAD_ESTIMATED} are left out (an estimate that low is
 * still hours past any objective).
 *
 * @example
 * stepsUntilSlot([50, 50, 50, 4], [4, 50], 4); // 50: the 4-step image ahead takes the first slot, then the 50-step one
 * stepsUntilSlot([50, 4, 4, 4], [4, 50], 4); // 4
 */
export function stepsUntilSlot(
  runningStepsLeft: readonly number[],
  stepsAhead: readonly number[],
  slots: number,
): number {
  const slotCount = Math.max(1, Math.floor(slots));
  // When each slot frees, in steps from now: an idle slot at once.
  const freeAt = Array.from({ length: slotCount }, (_, slot) => Math.max(0, runningStepsLeft[slot] ?? 0));
  const ahead = Math.min(stepsAhead.length, MAX_IMAGES_AHEAD_ESTIMATED);
  for (let index = 0; index < ahead; index++) {
    const slot = earliest(freeAt);
    freeAt[slot] = (freeAt[slot] ?? 0) + Math.max(0, stepsAhead[index] ?? 0);
  }
  return freeAt[earliest(freeAt)] ?? 0;
}

function earliest(freeAt: readonly number[]): number {
  let best = 0;
  for (let slot = 1; slot < freeAt.length; slot++) {
    if ((freeAt[slot] ?? 0) < (freeAt[best] ?? 0)) best = slot;
  }
  return best;
}
