/** Most images ahead a wait estimate walks: past them the estimate says "at least this long". */
export const MAX_IMAGES_AHEAD_ESTIMATED = 1_024;

/** Images waiting ahead in a pool's queue that hold a slot each for `steps` once they start. */
export interface ImagesAhead {
  readonly images: number;
  readonly steps: number;
}

/**
 * What a pool says of a job waiting in its queue (gpu-node's `queued` event while it waits:
 * `start_in_ms` and `batch_megapixels`): ms until its first waiting image gets a slot, and the
 * megapixels of the batch running now, which it will join.
 */
export interface SlotWait {
  readonly startInMs: number;
  readonly batchMegapixels: number;
}

/**
 * Batch steps until a waiting image gets a slot on a continuous batcher, as gpu-node runs one:
 * each running image holds its slot for the steps it has left, the images queued ahead (in
 * service order) take the slots in order as they free (each holding one for its own steps), and
 * the waiting image takes the first slot free after them. A queue's position says how many images
 * are ahead, not how long they hold their slots: behind four 50-step images a 4-step image waits
 * 50 steps, behind a batch of 4-step images it waits 4, and a router that counts images cannot
 * tell the two apart.
 *
 * Steps, not ms: the batch's step time is the caller's (the pool's measured curve at its batch).
 * Images ahead past {@link MAX_IMAGES_AHEAD_ESTIMATED} are left out (an estimate that low is
 * still hours past any objective).
 *
 * @example
 * stepsUntilSlot([50, 50, 50, 4], [{ images: 1, steps: 4 }, { images: 1, steps: 50 }], 4); // 50
 * stepsUntilSlot([50, 4, 4, 4], [{ images: 1, steps: 4 }, { images: 1, steps: 50 }], 4); // 4
 */
export function stepsUntilSlot(
  runningStepsLeft: readonly number[],
  ahead: Iterable<ImagesAhead>,
  slots: number,
): number {
  const slotCount = Math.max(1, Math.floor(slots));
  // When each slot frees, in steps from now: an idle slot at once.
  const freeAt = Array.from({ length: slotCount }, (_, slot) => Math.max(0, runningStepsLeft[slot] ?? 0));
  let walked = 0;
  for (const { images, steps } of ahead) {
    for (let image = 0; image < images; image++) {
      if (walked++ >= MAX_IMAGES_AHEAD_ESTIMATED) return freeAt[earliest(freeAt)] ?? 0;
      const slot = earliest(freeAt);
      freeAt[slot] = (freeAt[slot] ?? 0) + Math.max(0, steps);
    }
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
