import { type DerivedKeyPurpose, deriveKeyBytes, hmacKey } from './derived-keys.ts';

const SECRET_PREFIX = 'whsec_';

/**
 * A tenant's webhook signing secret of one generation, Standard Webhooks style: `whsec_` + base64
 * of 32 bytes derived from `EDGE_SIGNING_KEY`, the tenant and the generation. Derived, not stored,
 * so every isolate and job object computes the same one; a tenant rotates by moving to the next
 * generation (the tenant directory keeps the numbers), and rotating `EDGE_SIGNING_KEY` rotates all.
 *
 * @example
 * const secret = await webhookSecret(env.EDGE_SIGNING_KEY, tenant.id, 0); // 'whsec_…'
 */
export async function webhookSecret(
  edgeSigningKey: string,
  tenantId: string,
  generation: number,
): Promise<string> {
  // Generation 0 keeps the label secrets had before rotation existed, so they stay valid.
  const label: DerivedKeyPurpose =
    generation === 0 ? `webhook-secret:${tenantId}` : `webhook-secret:${tenantId}:${generation}`;
  const bytes = await deriveKeyBytes(edgeSigningKey, label);
  return `${SECRET_PREFIX}${toBase64(bytes)}`;
}

/** One webhook delivery's signed parts. */
export interface WebhookSignatureInput {
  /** `webhook-id`: the same on every retry of one delivery. */
  readonly id: string;
  /** `webhook-timestamp`: unix seconds of this attempt. */
  readonly timestamp: number;
  /** The exact body bytes sent, as text. */
  readonly body: string;
}

/**
 * The `webhook-signature` header value: `v1,` + base64 HMAC-SHA256 of
 * `${id}.${timestamp}.${body}` keyed with the secret's decoded bytes (Standard Webhooks; the
 * same scheme Replicate uses, so its verification libraries work unchanged).
 *
 * @example
 * const signature = await signWebhook(secret, { id: 'msg_job_…', timestamp: 1_800_000_000, body });
 */
export async function signWebhook(secret: string, input: WebhookSignatureInput): Promise<string> {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('webhook secrets start with whsec_');
  const key = await hmacKey(fromBase64(secret.slice(SECRET_PREFIX.length)));
  const signed = new TextEncoder().encode(`${input.id}.${input.timestamp}.${input.body}`);
  const mac = await crypto.subtle.sign('HMAC', key, signed);
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (character) => character.charCodeAt(0));
}
