import { errorEnvelopeSchema } from '../../shared/index.ts';

/** What one call to the edge came back with. */
export type EdgeAnswer =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly headers: Headers;
      readonly body: unknown;
      /** Why a failure is not a typed one (see {@link untypedReason}); null for typed ones and successes. */
      readonly untyped: string | null;
    }
  /** No HTTP answer at all: refused, reset, or timed out. */
  | { readonly kind: 'transport'; readonly message: string };

/** One call as the load recorded it. */
export interface EdgeCall {
  readonly what: 'sync' | 'submit' | 'poll' | 'replay';
  /** Epoch ms. */
  readonly sentAt: number;
  readonly endedAt: number;
  readonly answer: EdgeAnswer;
}

/**
 * Calls the edge and classifies what came back. Never throws for a failed call: a transport error
 * is an answer of its own kind, since the bench counts those apart from typed failures.
 */
export async function callEdge(url: string, init: RequestInit, timeoutMs: number): Promise<EdgeAnswer> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    const body = parseJson(text);
    return {
      kind: 'answer',
      status: response.status,
      headers: response.headers,
      body,
      untyped: response.ok ? null : untypedReason(response.status, response.headers, body),
    };
  } catch (error) {
    return { kind: 'transport', message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Why a failure is untyped, or null when it is typed: the body must be the one envelope
 * (`{error:{type,code,message,param},request_id}`), and a failure the client may retry (429 and
 * every 5xx) must say when, in `Retry-After`.
 */
export function untypedReason(status: number, headers: Headers, body: unknown): string | null {
  if (!errorEnvelopeSchema.safeParse(body).success) return `${status} without the error envelope`;
  const retryable = status === 429 || status >= 500;
  if (retryable && !headers.get('retry-after')) return `${status} without Retry-After`;
  return null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
