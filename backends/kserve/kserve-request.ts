import type { BackendCall } from '../backend.ts';

/** Input tensor the prompt travels in when the pool's registration names none. */
export const DEFAULT_PROMPT_TENSOR = 'prompt';
/** Output tensor the images come back in when the pool's registration names none. */
export const DEFAULT_IMAGE_TENSOR = 'image';
/** Triton's per-request `timeout` parameter counts microseconds. */
const MICROSECONDS_PER_MS = 1_000;

/** A KServe v2 / Open Inference Protocol inference request (JSON). */
export interface InferRequestBody {
  readonly id: string;
  readonly parameters: Readonly<Record<string, string | number>>;
  readonly inputs: ReadonlyArray<{ name: string; datatype: 'BYTES'; shape: number[]; data: string[] }>;
  readonly outputs: ReadonlyArray<{ name: string }>;
}

/** `POST {pool}/v2/models/{m}[/versions/{v}]/infer`. */
export function inferPath(model: string, version: string | undefined): string {
  const versioned = version === undefined ? '' : `/versions/${encodeURIComponent(version)}`;
  return `/v2/models/${encodeURIComponent(model)}${versioned}/infer`;
}

/**
 * The inference request for `call`: the prompt as a one-element BYTES tensor and the generation
 * options (`n`, `steps`, `seed`, `width`, `height`, `negative_prompt`, `guidance_scale`) as
 * request-level `parameters`, where the served model (a Triton Python/ensemble model, a KServe predictor) reads them. Options with no
 * place in the protocol come back as warnings. Triton's `timeout` is added per call
 * ({@link withTritonTimeout}): joined callers share the body, not the budget.
 */
export function inferBody(call: BackendCall): { body: InferRequestBody; warnings: string[] } {
  const { request } = call;
  const [width, height] = request.size?.split('x').map(Number) ?? [];
  const parameters: Record<string, string | number> = { n: request.n };
  if (request.steps !== undefined) parameters.steps = request.steps;
  if (request.seed !== undefined) parameters.seed = request.seed;
  if (request.negative_prompt !== undefined) parameters.negative_prompt = request.negative_prompt;
  if (request.guidance_scale !== undefined) parameters.guidance_scale = request.guidance_scale;
  if (width !== undefined && height !== undefined) Object.assign(parameters, { width, height });
  const warnings: string[] = [];
  for (const field of ['quality', 'style'] as const) {
    if (request[field] !== undefined) warnings.push(`${field} is not a KServe v2 parameter; ignored`);
  }
  if (request.priority !== 'normal') {
    // Triton's numeric priority needs priority levels in the model's config; most have none.
    warnings.push(`priority ${request.priority} is not passed to a KServe v2 server`);
  }
  return {
    body: {
      id: call.jobId,
      parameters,
      inputs: [
        {
          name: call.upstream?.promptTensor ?? DEFAULT_PROMPT_TENSOR,
          datatype: 'BYTES',
          shape: [1],
          data: [request.prompt],
        },
      ],
      outputs: [{ name: call.upstream?.imageTensor ?? DEFAULT_IMAGE_TENSOR }],
    },
    warnings,
  };
}

/** `body` with Triton's per-request `timeout` (µs) from the call's budget. */
export function withTritonTimeout(body: InferRequestBody, budgetMs: number): InferRequestBody {
  return { ...body, parameters: { ...body.parameters, timeout: budgetMs * MICROSECONDS_PER_MS } };
}
