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
  /**
   * Whether a streamed call's answer opens with an acknowledgement as soon as the pool takes it
   * (gpu-node's `queued` event, before any work): a call that hears nothing for a while then
   * reached a pool that stopped (its process frozen, its kernel still accepting connections),
   * and the dispatcher treats it as stalled. Absent for protocols whose answer comes only at the end.
   */
  readonly acknowledges?: boolean;
  /** Generates images. Images always come back as `b64_json`; the edge issues URLs itself. */
  generate(call: BackendCall): Promise<BackendResult>;
  /** Best-effort cancel of a job; resolves when the pool no longer has it (or never did). */
  cancel(call: BackendCancelCall): Promise<void>;
  /**
   * Pull telemetry for a provider that pushes none: readiness and whatever load figures its
   * protocol exposes (Triton's metrics, …). Called by the edge on a schedule, never per request.
   * Absent for adapters whose pools push signed reports (gpu-node).
   */
  probe?(call: BackendProbeCall): Promise<BackendProbe>;
  /**
   * The request's work as this provider counts it, megapixel-steps (`requestWork` by default),
   * so routing compares pools across providers in one unit. `defaults` are the model defaults
   * the fleet reports, for fields the request leaves out.
   */
  workOf?(request: GenerationRequest, defaults: { readonly steps: number; readonly size: string }): number;
}

/**
 * Settings of one pool that only its adapter reads, from the pool's registration (`upstream`):
 * the provider's own model name (an OpenAI model, a Triton model, a Replicate version, …) and,
 * for KServe v2 servers, the tensors requests and images travel in.
 */
export interface PoolUpstream {
  /** The provider's name for the model; defaults to the request's model. */
  readonly model?: string;
  /** KServe: model version (`/v2/models/{m}/versions/{v}/infer`). Replicate: version id. */
  readonly version?: string;
  /** KServe: the BYTES input tensor holding the prompt. */
  readonly promptTensor?: string;
  /** KServe: the output tensor holding the images. */
  readonly imageTensor?: string;
  /**
   * KServe: where the server's Prometheus metrics are (Triton: port 8002, `/metrics`); the
   * adapter's default applies when absent.
   */
  readonly metricsUrl?: string;
}

/** One probe of a pool (see {@link ImageBackend.probe}). */
export interface BackendProbeCall {
  readonly poolUrl: string;
  readonly token: string;
  readonly upstream?: PoolUpstream;
  readonly signal?: AbortSignal;
}

/**
 * What a probe learnt. Every figure is optional: a protocol reports what it has, and the edge
 * treats a missing one as unknown (routed to conservatively), never as zero load.
 */
export interface BackendProbe {
  /** The pool would take a request now (health and model readiness). */
  readonly ready: boolean;
  /** Requests waiting at the pool (Triton: `nv_inference_pending_request_count`). */
  readonly queued?: number;
  /** Requests executing. */
  readonly running?: number;
  /** Cumulative executions counter (Triton: `nv_inference_exec_count`), for throughput. */
  readonly completedTotal?: number;
  /** Cumulative ms requests spent queued (Triton: `nv_inference_queue_duration_us` / 1000). */
  readonly queueMsTotal?: number;
  /** GPU utilisation 0..1 (Triton: `nv_gpu_utilization`). */
  readonly utilization?: number;
  /** Why the pool is not ready, for operators. */
  readonly detail?: string;
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
  /**
   * Credential for this pool (the edge's, never the client's): a dispatch token for gpu-node,
   * the provider's API key for others ('' when it needs none). Each adapter puts it where its
   * protocol expects (`Bearer`, fal's `Key`, …) and nowhere else: never in a message or log.
   */
  readonly token: string;
  /** The pool's adapter-specific settings (`PoolUpstream`). */
  readonly upstream?: PoolUpstream;
  /** Aborts the call, e.g. when the client went away. */
  readonly signal?: AbortSignal;
  /**
   * W3C `traceparent` of this call (the edge's trace, a span of its own); adapters send it as the
   * `traceparent` header. Providers that ignore it lose nothing.
   */
  readonly traceparent?: string;
  /**
   * Called with the pool's queue position and step progress while the call runs (async jobs
   * show them). Optional for adapters: one whose provider reports neither never calls it.
   */
  readonly onProgress?: (progress: BackendProgress) => void;
}

/**
 * What a pool reports while it works on a call: its queue position (with, where the pool says
 * it, the megapixels of the batch the call went straight into, or, while it waits, the ms until it
 * gets a slot and the batch running now), then step k of n.
 */
export type BackendProgress =
  | {
      readonly kind: 'queued';
      readonly position: number;
      readonly batchMegapixels?: number;
      readonly startInMs?: number;
    }
  | { readonly kind: 'progress'; readonly step: number; readonly steps: number };

/** Identifies a job to cancel. */
export interface BackendCancelCall {
  readonly poolUrl: string;
  readonly jobId: string;
  readonly token: string;
  readonly upstream?: PoolUpstream;
}

/** What a pool returned, the load it piggybacked, and options it could not honour. */
export interface BackendResult {
  readonly response: GenerationResponse;
  /** Load figures from the response headers; null when the provider sends none. */
  readonly load: PiggybackedLoad | null;
  readonly warnings: readonly string[];
}
