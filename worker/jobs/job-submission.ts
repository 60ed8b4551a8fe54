import { ApiError, type JobSubmitRequest } from '../../shared/index.ts';
import { idempotentJobId } from '../auth/idempotent-job-id.ts';
import { checkOutboundUrl } from '../net/index.ts';

/** Idempotency-Key values we accept: 1-255 visible ASCII characters (the draft's sf-string). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** Random part of a job id: 20 bytes, 26 base64url characters kept (about 156 bits). */
const RANDOM_ID_BYTES = 20;

/**
 * The job id for a submission: derived from the tenant and its `Idempotency-Key` when one is
 * sent (so duplicates meet in one job object), random otherwise.
 * A malformed key is a 400 naming the header.
 */
export async function jobIdFor(
  edgeSigningKey: string,
  tenantId: string,
  idempotencyKey: string | undefined,
): Promise<string> {
  if (idempotencyKey === undefined) {
    const bytes = crypto.getRandomValues(new Uint8Array(RANDOM_ID_BYTES));
    return `job_${toBase64Url(bytes).slice(0, 26)}`;
  }
  // Whitespace around a field value is not part of it (RFC 9110 §5.5), whichever side a runtime
  // leaves it on; structured-field strings arrive quoted ("abc"), and the quotes are not either.
  const value = idempotencyKey.trim();
  const key = /^".*"$/.test(value) ? value.slice(1, -1) : value;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ApiError('invalid_request', 'Idempotency-Key must be 1-255 visible ASCII characters', {
      param: 'Idempotency-Key',
    });
  }
  return idempotentJobId(edgeSigningKey, tenantId, key);
}

/**
 * SHA-256 of the parsed submission (defaults applied, keys sorted), so `{}` and `{"n":1}` are
 * the same request and a reused key with another body is caught.
 */
export async function submissionFingerprint(submission: JobSubmitRequest): Promise<string> {
  const canonical = JSON.stringify(submission, Object.keys(submission).sort());
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
  return toBase64Url(new Uint8Array(digest));
}

/**
 * The submission without the optional fields that name what leaving them out means: `background`
 * and `moderation` of `auto`, `output_format` of `png`, and `deadline_ms` of the edge's default.
 * A replay naming one of them is then the same submission as one leaving it out, and one leaving
 * them out fingerprints as it always did.
 */
export function withoutNamedDefaults<T extends Partial<Record<NamedDefault, unknown>>>(
  submission: T,
  defaultDeadlineMs: number,
): T {
  const defaults: Record<NamedDefault, unknown> = {
    background: 'auto',
    moderation: 'auto',
    output_format: 'png',
    deadline_ms: defaultDeadlineMs,
  };
  const kept = { ...submission };
  for (const field of Object.keys(defaults) as NamedDefault[]) {
    if (kept[field] === defaults[field]) delete kept[field];
  }
  return kept;
}

type NamedDefault = 'background' | 'moderation' | 'output_format' | 'deadline_ms';

/**
 * Refuses webhook URLs the edge must not call (SSRF), by the edge's outbound policy
 * (`worker/net/outbound-url.ts`): anything but https, credentials in the URL, internal names and
 * addresses outside global unicast. Local development (`allowPrivate`) also takes http and
 * private hosts. The wire message stays the same whatever the reason.
 */
export function checkWebhookUrl(url: string, allowPrivate: boolean): void {
  if (!checkOutboundUrl(url, { allowPrivate, requireHttps: !allowPrivate }).ok) {
    throw new ApiError('invalid_request', 'webhook must be a public https URL without credentials', {
      param: 'webhook',
    });
  }
}

/** A random seed for a job that names none, drawn per job so every attempt draws the same images. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
