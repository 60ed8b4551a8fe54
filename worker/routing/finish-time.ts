import type { PoolView } from './fleet-view.ts';

/**
 * What a request of `images` images of `imageMegapixels` each takes on the pool after its last
 * step (decode, PNG), ms: one image's finish (its finish per megapixel times the image's where the
 * pool reports one, else its average finish, else 0) times its images. A request's images end
 * their last step together and gpu-node decodes and encodes them on one thread, one after
 * another, so ten 1024 px images take about ten times one: priced as one, a stall watch called
 * that silence a stall and a hedge fired long before the answer was due.
 */
export function finishMsOf(
  pool: Pick<PoolView, 'finishMs' | 'finishMsPerMegapixel'>,
  imageMegapixels: number,
  images = 1,
): number {
  const perMegapixel = pool.finishMsPerMegapixel;
  const perImage =
    perMegapixel !== undefined && perMegapixel !== null && imageMegapixels > 0
      ? perMegapixel * imageMegapixels
      : (pool.finishMs ?? 0);
  return perImage * Math.max(1, images);
}
