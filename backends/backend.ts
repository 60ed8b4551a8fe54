import type { GenerationRequest, GenerationResponse, PiggybackedLoad } from '../shared/index.ts';

/**
 * Every provider's pools look alike to the router through this interface (one adapter per
 * protocol: gpu-node, KServe, OpenAI-compatible, …). Adapters arrive with the edge issues;
 * this is the contract they implement.
 */
export interface ImageBackend {
  /** Adapter name, e.g. `gpu-node`. */
  readonly protocol: string;
  /** Generates images; `signal` carries the request deadline. */
  generate(call: BackendCall): Promise<BackendResult>;
}

/** One call to a pool. */
export interface BackendCall {
  readonly poolUrl: string;
  readonly jobId: string;
  readonly request: GenerationRequest;
  readonly signal: AbortSignal;
}

/** What a pool returned, plus load figures it piggybacked, and options it could not honour. */
export interface BackendResult {
  readonly response: GenerationResponse;
  readonly load: PiggybackedLoad | null;
  readonly warnings: readonly string[];
}
