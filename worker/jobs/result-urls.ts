import { signResultGrant } from '../auth/result-url-signature.ts';

/** Inputs of {@link signedResultUrls}. */
export interface ResultUrlsInput {
  readonly edgeSigningKey: string;
  readonly origin: string;
  readonly resultId: string;
  readonly count: number;
  readonly nowMs: number;
  readonly ttlSeconds: number;
  /** The images are deleted at this epoch ms; no URL outlives them. */
  readonly expiresAt: number;
}

/**
 * Short-lived signed URLs for a result's images:
 * `<origin>/v1/results/<id>/<index>?expires=<unix s>&signature=<base64url HMAC>`.
 *
 * @example
 * const urls = await signedResultUrls({ edgeSigningKey, origin, resultId, count: 2, nowMs, ttlSeconds: 3600, expiresAt });
 */
export async function signedResultUrls(input: ResultUrlsInput): Promise<string[]> {
  const expires = Math.min(
    Math.floor(input.nowMs / 1000) + input.ttlSeconds,
    Math.floor(input.expiresAt / 1000),
  );
  return Promise.all(
    Array.from({ length: input.count }, async (_, index) => {
      const signature = await signResultGrant(input.edgeSigningKey, {
        resultId: input.resultId,
        index,
        expires,
      });
      const query = new URLSearchParams({ expires: String(expires), signature });
      return `${input.origin}/v1/results/${input.resultId}/${index}?${query}`;
    }),
  );
}
