import { createHash, randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { jobIdSchema, poolGenerationRequestSchema } from '../../shared/index.ts';
import type { ModelOffer } from '../model/model-manifest.ts';
import type { JobOwner, JobSpec } from '../scheduler/job.ts';
import { toJobSpec } from './generation-job.ts';
import {
  type InferRequest,
  inferRequestSchema,
  kserveModelSignature,
  priorityFrom,
  requireRange,
  TensorError,
  tensorData,
} from './kserve-tensors.ts';
import type { PoolContext } from './pool-context.ts';

/** The longest prompt, as the shared generation request allows it. */
const MAX_PROMPT_LENGTH = 4000;
/** Seeds are unsigned 32-bit, as the shared generation request allows them. */
const MAX_SEED = 2 ** 32 - 1;
/**
 * The most prompts (images) one inference request may carry, as `n` of /v1/generate: it bounds
 * what one request holds in the pool and in its response (an `image` tensor of ten 1024x1024
 * images is about 110 MB of JSON).
 */
export const MAX_PROMPTS_PER_REQUEST = 10;

// Where a field of the generation request comes from in a KServe request, to name it as sent.
const requestFieldNames: Readonly<Record<string, string>> = {
  size: 'parameters.size',
  priority: 'parameters.priority',
  deadline_ms: 'parameters.timeout',
  job_id: 'id',
};

/**
 * Reads an inference request. The body-limit error propagates; a body that is not JSON or not
 * an inference request is a TensorError naming what is wrong.
 */
export async function readInferRequest(context: Context): Promise<InferRequest> {
  const text = await context.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new TensorError('the request body is not valid JSON');
  }
  const parsed = inferRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') || 'body';
    throw new TensorError(`${path}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/**
 * The KServe model metadata of a served model. `parameters` (as MLServer's metadata carries
 * them; the protocol's schemas allow extra fields) tells clients the sizes `parameters.size`
 * takes, the steps range and how many prompts one request may carry (`max_prompts`), with scalar
 * values as the protocol's `$parameters` requires.
 */
export function modelMetadata(offer: ModelOffer, version: string, maxPrompts: number) {
  return {
    name: offer.name,
    versions: [version],
    platform: 'onnxruntime_onnx',
    ...kserveModelSignature,
    parameters: {
      sizes: offer.sizes.join(','),
      default_size: offer.default_size,
      min_steps: 1,
      max_steps: offer.max_steps,
      default_steps: offer.default_steps,
      max_prompts: maxPrompts,
    },
  };
}

/**
 * The job specs of an inference request, one per prompt, with ids derived from the request `id`
 * and owned by `owner`; every input is checked first (a TensorError, or an ApiError for a size the
 * model does not serve). The request is refused whole (400) when it carries more prompts than
 * {@link MAX_PROMPTS_PER_REQUEST}, or than the pool's slots and queue could ever hold at once: a
 * 503 would have the client retry something that can never be admitted.
 */
export function inferJobSpecs(
  pool: PoolContext,
  offer: ModelOffer,
  request: InferRequest,
  owner: JobOwner,
): JobSpec[] {
  const prompts = tensorData(request.inputs, 'prompt', 'BYTES');
  if (!prompts || prompts.length === 0) throw new TensorError('input prompt (BYTES) is required');
  requirePromptCount(pool, prompts.length);
  if (prompts.some((prompt) => prompt.length < 1 || prompt.length > MAX_PROMPT_LENGTH)) {
    throw new TensorError(`prompt must be between 1 and ${MAX_PROMPT_LENGTH} characters long`);
  }
  const seeds = tensorData(request.inputs, 'seed', 'INT64');
  if (seeds && seeds.length !== prompts.length)
    throw new TensorError('seed must have one element per prompt');
  if (seeds) requireRange('seed', seeds, 0, MAX_SEED);
  const steps = tensorData(request.inputs, 'steps', 'INT32');
  if (steps && steps.length !== 1) throw new TensorError('input steps must hold one element');
  if (steps) requireRange('steps', steps, 1, offer.max_steps);
  const parameters = request.parameters ?? {};
  const base = jobIdBase(request.id, prompts.length);
  return prompts.map((prompt, index) => {
    const generation = poolGenerationRequestSchema.safeParse({
      prompt,
      model: offer.name,
      seed: seeds?.[index],
      steps: steps?.[0],
      size: parameters.size,
      priority: priorityFrom(parameters.priority),
      deadline_ms:
        parameters.timeout === undefined ? undefined : Math.max(1, Math.ceil(parameters.timeout / 1000)),
      job_id: `kserve-${base}-${index}`,
    });
    if (!generation.success) {
      const issue = generation.error.issues[0];
      const field = String(issue?.path[0] ?? 'request');
      throw new TensorError(`${requestFieldNames[field] ?? field}: ${issue?.message ?? 'invalid'}`);
    }
    return toJobSpec(pool, generation.data, { owner, streamProgress: false }).spec;
  });
}

/** The most prompts one request of this pool may carry: {@link MAX_PROMPTS_PER_REQUEST}, or fewer on a small pool. */
export function maxPromptsPerRequest(pool: Pick<PoolContext, 'scheduler'>): number {
  const { slots, maxQueue } = pool.scheduler.load();
  return Math.min(MAX_PROMPTS_PER_REQUEST, slots + maxQueue);
}

function requirePromptCount(pool: PoolContext, count: number): void {
  if (count > MAX_PROMPTS_PER_REQUEST) {
    throw new TensorError(
      `a request may carry at most ${MAX_PROMPTS_PER_REQUEST} prompts (one image each); this one has ${count}`,
    );
  }
  const { slots, maxQueue } = pool.scheduler.load();
  if (count > slots + maxQueue) {
    throw new TensorError(
      `this pool holds at most ${slots + maxQueue} images at once (${slots} batch slots and a queue of ${maxQueue}), so a request may carry at most that many prompts; this one has ${count}`,
    );
  }
}

// A KServe id may be any string; a job id is 1-128 URL-safe characters. An id that cannot be
// used as it is gets hashed, so a repeated id still finds its jobs.
function jobIdBase(id: string | undefined, jobCount: number): string {
  if (id === undefined) return randomUUID();
  if (jobIdSchema.safeParse(`kserve-${id}-${jobCount - 1}`).success) return id;
  return `sha256.${createHash('sha256').update(id).digest('base64url')}`;
}
