import { Agent, errors, request } from 'undici';
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
  /**
   * The envelope's `error.code` of a failure; for a `transport` outcome, the client's error code
   * (undici's `UND_ERR_SOCKET`, or the socket's `ECONNRESET`), so a refused connection and a
   * reset one are told apart; else null.
   */
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

/** Idle connections are dropped before the local edge's 5 s idle close. */
const KEEP_ALIVE_BELOW_EDGE_IDLE_MS = 2_000;

/**
 * One keep-alive agent for every call. The load generator shares the host's two cores with the
 * stack it loads, so its CPU is taken from the pools and the edge; undici's `request` costs less
 * per call than `fetch` (no WHATWG Request, Response and Headers objects).
 *
 * The local edge closes a connection idle for 5 s and sends no `Keep-Alive` hint. A client that
 * keeps idle connections longer now and then sends a request down one as the edge closes it, and
 * gets a socket error for a request the edge never saw (runs 16, 23 and 26 of
 * `docs/reliability.md` counted one to three of them as refusals without `Retry-After`).
 */
const agent = new Agent({ keepAliveTimeout: KEEP_ALIVE_BELOW_EDGE_IDLE_MS, connections: null });

/**
 * Sends one sync `POST /v1/images/generations` and records its outcome. Never throws: no answer
 * within `timeoutMs` is `hung`, a failed connection is `transport`.
 */
export async function sendGeneration(terms: CallTerms): Promise<CallRecord> {
  const sentAt = Date.now();
  const base = { tenantId: terms.tenant.id, tier: terms.tenant.tier, sentAt };
  try {
    const response = await request(`${terms.edgeUrl}/v1/images/generations`, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: `Bearer ${terms.tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        prompt: `overload ${terms.tenant.id} ${sentAt}`,
        size: terms.shape.size,
        steps: terms.shape.steps,
        deadline_ms: terms.deadlineMs,
      }),
      signal: AbortSignal.timeout(terms.timeoutMs),
    });
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    const body = parseJson(await response.body.text());
    const envelope = ok ? null : errorEnvelopeSchema.safeParse(body);
    const header = (name: string) => headerOf(response.headers, name);
    return {
      ...base,
      endedAt: Date.now(),
      outcome: response.statusCode,
      code: envelope?.success ? envelope.data.error.code : null,
      retryAfter: header('retry-after'),
      rateLimitHeaders: header('ratelimit') !== null && header('ratelimit-policy') !== null,
      badEnvelope: envelope !== null && !envelope.success,
      images: ok ? imagesIn(body) : 0,
      timing: ok ? callTimingOf(header('server-timing')) : null,
    };
  } catch (error) {
    const timedOut =
      (error instanceof DOMException && error.name === 'TimeoutError') ||
      error instanceof errors.RequestAbortedError;
    return {
      ...base,
      endedAt: Date.now(),
      outcome: timedOut ? 'hung' : 'transport',
      code: timedOut ? null : transportCode(error),
      retryAfter: null,
      rateLimitHeaders: false,
      badEnvelope: false,
      images: 0,
      timing: null,
    };
  }
}

function transportCode(error: unknown): string | null {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : null;
  for (const candidate of [error, cause]) {
    if (candidate instanceof Error && 'code' in candidate && typeof candidate.code === 'string') {
      return candidate.code;
    }
  }
  return error instanceof Error ? error.name : null;
}

/** One header of an undici answer (names arrive lower-cased; a repeated one is joined). */
function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const value = headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
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
