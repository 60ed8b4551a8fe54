import type { TenantLimits } from '../../shared/index.ts';

/**
 * How a request was admitted: by its tenant's limiter (a Durable Object call), from permits its
 * isolate held (`PermitBlocks`, no call), or unchecked (the limiter could not be reached).
 */
export type AdmissionSource = 'limiter' | 'held' | 'unchecked';

/** Which limit a refusal hit. */
export type LimitName = 'requests' | 'images' | 'concurrency';

/** What is left of each limit after a decision, and when the rates' quotas are whole again. */
export interface LimitUsage {
  readonly limits: TenantLimits;
  readonly remaining: { readonly requests: number; readonly images: number; readonly concurrency: number };
  /** Ms until each rate's full quota is available again. */
  readonly resetMs: { readonly requests: number; readonly images: number };
}

/** The tenant limiter's answer to one request. */
export type AdmissionVerdict =
  | (LimitUsage & {
      readonly ok: true;
      /** Hold on a concurrency slot, released when the generation ends; null when none was asked. */
      readonly leaseId: string | null;
      /** Permits granted beyond this request's own (its lease holds the spare slots too). */
      readonly spare: SpareAsk;
    })
  | (LimitUsage & {
      readonly ok: false;
      readonly limit: LimitName;
      /** Ms until the request would fit; null when it alone is more than the whole limit (no wait helps). */
      readonly retryAfterMs: number | null;
    });

/** Permits asked beyond what the asking request needs, for this isolate's next requests. */
export interface SpareAsk {
  readonly requests: number;
  readonly images: number;
  readonly slots: number;
}

/** Rate permits leased earlier and not used, given back to the limiter. */
export interface ReturnedPermits {
  readonly requests: number;
  readonly images: number;
}
