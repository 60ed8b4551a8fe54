import { errorEnvelopeSchema, type Tier } from '../../shared/index.ts';
import { type CallTiming, callTimingOf } from './latency-split.ts';

/** The request every call sends: small enough that three CPU pools on two cores serve it quickly. */
export interface GenerationShape {
  readonly size: string;
  readonly steps: number;
}

/** What one generation call came to, as the bench records it. */
export interface CallRecord {
  readonly tenantId: string;
  readonly tier: Tier;
  /** Epoch ms. */
  readonly sentAt: number;
  readonly endedAt: number;
  /** HTTP status, or `hung` (no answer by the client's bound) or `transport` (no HTTP answer). */
  readonly outcome: number | 'hung' | 'transport';
  /** The envelope's `error.code` of a failure, else null. */
  readonly code: string | null;
  readonly retryAfter: string | null;
  /** Whether `RateLimit` and `RateLimit-Policy` came with the answer. */
  readonly rateLimitHeaders: boolean;
  /** A failure whose body is not the one envelope `{error:{type,code,message,param},request_id}`. */
  readonly badEnvelope: boolean;
  /** Images in a 200's body. */
  readonly images: number;
  /** A 200's `Server-Timing` pool and edge figures; null otherwise. */
  readonly timing: CallTiming | null;
}

/** One call's terms. */
export interface CallTerms {
  readonly edgeUrl: string;
  readonly tenant: { readonly id: string; readonly tier: Tier; readonly apiKey: string };
  readonly shape: GenerationShape;
  /** The request's `deadline_ms`. */
  readonly deadlineMs: number;
  /** The client's own bound: a call unanswered by then is hung. */
  readonly timeoutMs: number;
}

/**
 * Sends one sync `POST /v1/images/generations` and records its outcome. Never throws: no answer
 * within `timeoutMs` is `hung`, a failed connection is `transport`.
 */
export async function sendGeneration(terms: CallTerms): Promise<CallRecord> {
  const sentAt = Date.now();
  const base = { tenantId: terms.tenant.id, tier: terms.tenant.tier, sentAt };
  try {
    const response = await fetch(`${terms.edgeUrl}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${terms.tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        prompt: `overload ${terms.tenant.id} ${sentAt}`,
        size: terms.shape.size,
        steps: terms.shape.steps,
        deadline_ms: terms.deadlineMs,
      }),
      signal: AbortSignal.timeout(terms.timeoutMs),
    });
    const body = parseJson(await response.text());
    const envelope = response.ok ? null : errorEnvelopeSchema.safeParse(body);
    return {
      ...base,
      endedAt: Date.now(),
      outcome: response.status,
      code: envelope?.success ? envelope.data.error.code : null,
      retryAfter: response.headers.get('retry-after'),
      rateLimitHeaders: response.headers.has('ratelimit') && response.headers.has('ratelimit-policy'),
      badEnvelope: envelope !== null && !envelope.success,
      images: response.ok ? imagesIn(body) : 0,
      timing: response.ok ? callTimingOf(response.headers.get('server-timing')) : null,
    };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    return {
      ...base,
      endedAt: Date.now(),
      outcome: timedOut ? 'hung' : 'transport',
      code: null,
      retryAfter: null,
      rateLimitHeaders: false,
      badEnvelope: false,
      images: 0,
      timing: null,
    };
  }
}

function imagesIn(body: unknown): number {
  if (typeof body !== 'object' || body === null || !('data' in body)) return 0;
  return Array.isArray(body.data) ? body.data.length : 0;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
