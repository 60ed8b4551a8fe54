import type { GenerationRequest, GenerationResponse, PiggybackedLoad } from '../shared/index.ts';

/**
 * The `fetch` an adapter calls: the global one fits, and tests or a Workers service binding can
 * stand in. Narrower than `typeof fetch` so the same type checks under Node and Workers typings.
 */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Every provider's pools look alike to the router through this interface: one adapter per
 * protocol (gpu-node, KServe, OpenAI-compatible, …), registered in `backends/index.ts`.
 * Failures reject with {@link BackendCallError}; nothing else is thrown for an upstream problem.
 *
 * @example
 * const backend = backends['gpu-node']();
 * const result = await backend.generate({ poolUrl, jobId, request, deadlineMs: 30_000, token });
 */
export interface ImageBackend {
  /** Adapter name, e.g. `gpu-node`; matches the pool's registered protocol. */
  readonly protocol: string;
  /** Generates images. Images always come back as `b64_json`; the edge issues URLs itself. */
  generate(call: BackendCall): Promise<BackendResult>;
  /** Best-effort cancel of a job; resolves when the pool no longer has it (or never did). */
  cancel(call: BackendCancelCall): Promise<void>;
}

/** One generation call to a pool. */
export interface BackendCall {
  /** Base URL of the pool, without a trailing path. */
  readonly poolUrl: string;
  /** Idempotency key: a repeated id joins the same job on the same pool. */
  readonly jobId: string;
  readonly request: GenerationRequest;
  /** Time budget for this call in ms; it replaces the client's `deadline_ms` towards the pool. */
  readonly deadlineMs: number;
  /** Credential for this pool (the edge's, never the client's). */
  readonly token: string;
  /** Aborts the call, e.g. when the client went away. */
  readonly signal?: AbortSignal;
  /**
   * Called with the pool's queue position and step progress while the call runs (async jobs
   * show them). Optional for adapters: one whose provider reports neither never calls it.
   */
  readonly onProgress?: (progress: BackendProgress) => void;
}

/** What a pool reports while it works on a call: its queue position, then step k of n. */
export type BackendProgress =
  | { readonly kind: 'queued'; readonly position: number }
  | { readonly kind: 'progress'; readonly step: number; readonly steps: number };

/** Identifies a job to cancel. */
export interface BackendCancelCall {
  readonly poolUrl: string;
  readonly jobId: string;
  readonly token: string;
}

/** What a pool returned, the load it piggybacked, and options it could not honour. */
export interface BackendResult {
  readonly response: GenerationResponse;
  /** Load figures from the response headers; null when the provider sends none. */
  readonly load: PiggybackedLoad | null;
  readonly warnings: readonly string[];
}
