import { createHash, randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { PNG } from 'pngjs';
import { jobIdSchema, poolGenerationRequestSchema } from '../../shared/index.ts';
import type { ModelOffer } from '../model/model-manifest.ts';
import type { Job, JobOutcome, JobOwner } from '../scheduler/job.ts';
import { toJobSpec } from './generation-job.ts';
import { rejectionError } from './job-response.ts';
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
 * takes and the steps range, with scalar values as the protocol's `$parameters` requires.
 */
export function modelMetadata(offer: ModelOffer, version: string) {
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
    },
  };
}

/**
 * Submits one job per prompt, with ids derived from the request `id`, owned by `owner`: a
 * repeated `id` joins the caller's own jobs and is refused with another tenant's.
 */
export function submitJobs(
  pool: PoolContext,
  offer: ModelOffer,
  request: InferRequest,
  owner: JobOwner,
): Job[] {
  const prompts = tensorData(request.inputs, 'prompt', 'BYTES');
  if (!prompts || prompts.length === 0) throw new TensorError('input prompt (BYTES) is required');
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
  const jobs: Job[] = [];
  for (const [index, prompt] of prompts.entries()) {
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
    const submitted = pool.scheduler.submit(
      toJobSpec(pool, generation.data, { owner, streamProgress: false }).spec,
    );
    if (!submitted.ok) {
      for (const job of jobs) pool.scheduler.cancel(job.spec.jobId, owner);
      throw rejectionError(submitted);
    }
    jobs.push(submitted.job);
  }
  return jobs;
}

// A KServe id may be any string; a job id is 1-128 URL-safe characters. An id that cannot be
// used as it is gets hashed, so a repeated id still finds its jobs.
function jobIdBase(id: string | undefined, jobCount: number): string {
  if (id === undefined) return randomUUID();
  if (jobIdSchema.safeParse(`kserve-${id}-${jobCount - 1}`).success) return id;
  return `sha256.${createHash('sha256').update(id).digest('base64url')}`;
}

/** The output tensors the request asked for (all of them when it names none), in the model's order. */
export function outputTensors(outcomes: readonly JobOutcome[], request: InferRequest) {
  const images = outcomes.flatMap((outcome) => (outcome.ok ? outcome.images : []));
  const wanted = new Set(
    request.outputs?.map((output) => output.name) ?? kserveModelSignature.outputs.map((o) => o.name),
  );
  const tensors = [];
  if (wanted.has('image')) {
    const decoded = images.map((image) => PNG.sync.read(Buffer.from(image.png)));
    const first = decoded[0];
    const rgb = decoded.flatMap((png) => Array.from(png.data.filter((_, offset) => offset % 4 !== 3)));
    tensors.push({
      name: 'image',
      datatype: 'UINT8',
      shape: [decoded.length, first?.height ?? 0, first?.width ?? 0, 3],
      data: rgb,
    });
  }
  if (wanted.has('png_base64')) {
    const data = images.map((image) => Buffer.from(image.png).toString('base64'));
    tensors.push({ name: 'png_base64', datatype: 'BYTES', shape: [images.length], data });
  }
  if (wanted.has('image_seed')) {
    tensors.push({
      name: 'image_seed',
      datatype: 'INT64',
      shape: [images.length],
      data: images.map((image) => image.seed),
    });
  }
  return tensors;
}
