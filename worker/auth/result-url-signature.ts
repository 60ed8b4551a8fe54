import { base64url } from 'jose';
import { derivedHmacKey } from './derived-keys.ts';

/** What a result URL grants: image `index` of result `resultId`, until `expires` (unix seconds). */
export interface ResultUrlGrant {
  readonly resultId: string;
  readonly index: number;
  readonly expires: number;
}

/** Why a result URL was refused. */
export type ResultUrlProblem = 'bad_signature' | 'expired';

/**
 * Signs a result URL grant: base64url HMAC-SHA256 over `v1:<resultId>:<index>:<expires>` with a
 * key derived from `EDGE_SIGNING_KEY`. The URL is a capability: whoever holds it may fetch that
 * one image until it expires, without an Authorization header (so `<img src>` works).
 *
 * @example
 * const signature = await signResultGrant(env.EDGE_SIGNING_KEY, { resultId, index: 0, expires });
 * const url = `${origin}/v1/results/${resultId}/0?expires=${expires}&signature=${signature}`;
 */
export async function signResultGrant(edgeSigningKey: string, grant: ResultUrlGrant): Promise<string> {
  const key = await derivedHmacKey(edgeSigningKey, 'result-url');
  const mac = await crypto.subtle.sign('HMAC', key, message(grant));
  return base64url.encode(new Uint8Array(mac));
}

/**
 * Checks a result URL: the signature first (constant-time `crypto.subtle.verify`), then the
 * expiry, so a forged URL learns nothing about which grants exist. Given several edge keys (the
 * current one and, during a rotation, the previous one), a signature by any of them verifies, so
 * URLs handed out before the rotation keep working until they expire.
 *
 * @example
 * const problem = await verifyResultGrant(config.edgeSigningKeys, grant, signature, Date.now() / 1000);
 * if (problem) refuse(problem);
 */
export async function verifyResultGrant(
  edgeSigningKeys: string | readonly string[],
  grant: ResultUrlGrant,
  signature: string,
  nowSeconds: number,
): Promise<ResultUrlProblem | null> {
  let mac: Uint8Array;
  try {
    mac = base64url.decode(signature);
  } catch {
    return 'bad_signature';
  }
  // Base64url of 32 bytes leaves two bits of its last character unused, and decoders ignore them:
  // only the one spelling the edge writes is its signature, so a URL has one valid form (one
  // cache key) and an altered one is refused, as documented.
  if (base64url.encode(mac) !== signature) return 'bad_signature';
  let verified = false;
  for (const edgeSigningKey of typeof edgeSigningKeys === 'string' ? [edgeSigningKeys] : edgeSigningKeys) {
    const key = await derivedHmacKey(edgeSigningKey, 'result-url');
    verified ||= await crypto.subtle.verify('HMAC', key, mac, message(grant));
  }
  if (!verified) return 'bad_signature';
  return grant.expires < nowSeconds ? 'expired' : null;
}

function message(grant: ResultUrlGrant): Uint8Array {
  return new TextEncoder().encode(`v1:${grant.resultId}:${grant.index}:${grant.expires}`);
}
