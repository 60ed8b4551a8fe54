import { base64url } from 'jose';
import { derivedHmacKey } from './derived-keys.ts';

/** Characters of the HMAC kept in the id: 26 base64url characters carry 156 bits. */
const ID_CHARACTERS = 26;

/**
 * The job id for a tenant's `Idempotency-Key`: `job_` + base64url HMAC-SHA256 of the tenant id
 * and the key. The same tenant and key always name the same job object, which then serialises
 * concurrent duplicates on its own; another tenant's identical key names another job, and
 * without the edge's secret nobody can compute (or guess) the id from the key.
 *
 * @example
 * const id = await idempotentJobId(env.EDGE_SIGNING_KEY, 'acme', 'order-42'); // 'job_…'
 */
export async function idempotentJobId(
  edgeSigningKey: string,
  tenantId: string,
  idempotencyKey: string,
): Promise<string> {
  const key = await derivedHmacKey(edgeSigningKey, 'idempotent-job-id');
  // Length-prefixed so ("a:b", "c") and ("a", "b:c") cannot collide.
  const input = new TextEncoder().encode(`${tenantId.length}:${tenantId}:${idempotencyKey}`);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, input));
  return `job_${base64url.encode(mac).slice(0, ID_CHARACTERS)}`;
}
