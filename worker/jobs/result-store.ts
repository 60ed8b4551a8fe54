import type { GeneratedImage } from './result-types.ts';

/** Result ids: `job_…` for a job's images, `img_…` for a sync request's `response_format: "url"`. */
export const resultIdPattern = /^(job|img)_[A-Za-z0-9_-]{16,64}$/;

/** The R2 key of image `index` of a result. */
export function resultKey(resultId: string, index: number): string {
  return `results/${resultId}/${index}.png`;
}

/**
 * Writes a result's PNGs to R2, each with its deletion time in `customMetadata.expires_at` (the
 * results route refuses an image past it even before the job object or the bucket's lifecycle
 * rule deleted it). Images arrive from the pool as `b64_json`.
 */
export async function storeImages(
  bucket: R2Bucket,
  resultId: string,
  images: readonly GeneratedImage[],
  expiresAt: number,
): Promise<void> {
  await Promise.all(
    images.map((image, index) =>
      bucket.put(resultKey(resultId, index), decodeBase64(image.b64_json ?? ''), {
        httpMetadata: { contentType: 'image/png' },
        customMetadata: { expires_at: String(expiresAt) },
      }),
    ),
  );
}

/** Deletes a result's images (retention over, or the job was canceled after they were written). */
export async function deleteImages(bucket: R2Bucket, resultId: string, count: number): Promise<void> {
  const keys = Array.from({ length: count }, (_, index) => resultKey(resultId, index));
  if (keys.length > 0) await bucket.delete(keys);
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
