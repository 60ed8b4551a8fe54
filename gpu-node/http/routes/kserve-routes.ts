import { randomUUID } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { PNG } from 'pngjs';
import { z } from 'zod';
import { poolGenerationRequestSchema } from '../../../shared/index.ts';
import type { Job, JobOutcome, JobOwner } from '../../scheduler/job.ts';
import { ApiError } from '../api-error.ts';
import { toJobSpec } from '../generation-job.ts';
import { rejectionError } from '../job-response.ts';
import {
  type InferRequest,
  inferRequestSchema,
  kserveModelSignature,
  priorityFrom,
  TensorError,
  tensorData,
} from '../kserve-tensors.ts';
import type { PoolContext, PoolEnv } from '../pool-context.ts';

const MODEL_VERSION = '1';

/**
 * KServe v2 / Open Inference Protocol: health, server and model metadata, readiness, and JSON
 * inference, so standard inference clients and load balancers can talk to a pool. Errors on
 * this surface use the protocol's `{ "error": "…" }` shape.
 */
export function kserveRoutes(pool: PoolContext): Hono<PoolEnv> {
  const app = new Hono<PoolEnv>();
  const ready = () => !pool.scheduler.draining;
  const kserveError = (
    context: Context<PoolEnv>,
    status: 400 | 404 | 409 | 503 | 504 | 500,
    message: string,
  ) => context.json({ error: message, request_id: context.get('requestId') }, status);

  app.get('/v2/health/live', (context) => context.body(null, 200));
  app.get('/v2/health/ready', (context) => context.body(null, ready() ? 200 : 503));
  app.get('/v2', (context) =>
    context.json({ name: 'spillway-gpu-node', version: pool.version, extensions: [] }),
  );

  app.get('/v2/models/:model{[^/]+}', (context) => {
    const name = context.req.param('model');
    if (!pool.manifests.has(name)) return kserveError(context, 404, `unknown model ${name}`);
    return context.json({
      name,
      versions: [MODEL_VERSION],
      platform: 'onnxruntime_onnx',
      ...kserveModelSignature,
    });
  });

  app.get('/v2/models/:model/versions/:version/ready', (context) =>
    context.body(null, pool.manifests.has(context.req.param('model')) && ready() ? 200 : 503),
  );
  app.get('/v2/models/:model/ready', (context) =>
    context.body(null, pool.manifests.has(context.req.param('model')) && ready() ? 200 : 503),
  );

  app.post('/v2/models/:model/infer', async (context) => {
    const model = context.req.param('model');
    if (!pool.manifests.has(model)) return kserveError(context, 404, `unknown model ${model}`);
    let request: InferRequest;
    try {
      request = inferRequestSchema.parse(await context.req.json());
    } catch {
      return kserveError(context, 400, 'the body is not a valid KServe v2 inference request');
    }
    const owner = context.get('tenant');
    try {
      const jobs = submitJobs(pool, model, request, owner);
      const outcomes = await Promise.all(jobs.map((job) => job.settled));
      const failed = outcomes.find((outcome) => !outcome.ok);
      if (failed && !failed.ok) {
        for (const job of jobs) pool.scheduler.cancel(job.spec.jobId, owner);
        const status = failed.failure.code === 'deadline_exceeded' ? 504 : 500;
        return kserveError(context, status, failed.failure.message);
      }
      return context.json({
        model_name: model,
        model_version: MODEL_VERSION,
        id: request.id ?? context.get('requestId'),
        outputs: outputTensors(outcomes, request),
      });
    } catch (error) {
      if (error instanceof TensorError) return kserveError(context, 400, error.message);
      if (error instanceof ApiError) return kserveError(context, kserveStatus(error), error.message);
      throw error;
    }
  });

  return app;
}

// A refused submission: the pool is busy (503), the request id is taken (409, whoever holds
// it, as on /v1/generate), or the request itself is wrong (400).
function kserveStatus(error: ApiError): 400 | 409 | 503 {
  return error.status === 503 || error.status === 409 ? error.status : 400;
}

/**
 * Submits one job per prompt, with ids derived from the request `id`, owned by `owner`: a
 * repeated `id` joins the caller's own jobs and is refused with another tenant's.
 */
function submitJobs(pool: PoolContext, model: string, request: InferRequest, owner: JobOwner): Job[] {
  const prompts = tensorData(request.inputs, 'prompt', 'BYTES', z.string().min(1).max(4000));
  if (!prompts || prompts.length === 0) throw new TensorError('input prompt (BYTES) is required');
  const seeds = tensorData(
    request.inputs,
    'seed',
    'INT64',
    z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
  );
  const [steps] = tensorData(request.inputs, 'steps', 'INT32', z.number().int().min(1).max(200)) ?? [];
  if (seeds && seeds.length !== prompts.length)
    throw new TensorError('seed must have one element per prompt');
  const parameters = request.parameters ?? {};
  const base = request.id ?? randomUUID();
  const jobs: Job[] = [];
  for (const [index, prompt] of prompts.entries()) {
    const generation = poolGenerationRequestSchema.safeParse({
      prompt,
      model,
      seed: seeds?.[index],
      steps,
      size: parameters.size,
      priority: priorityFrom(parameters.priority),
      deadline_ms:
        parameters.timeout === undefined ? undefined : Math.max(1, Math.ceil(parameters.timeout / 1000)),
      job_id: `kserve-${base}-${index}`,
    });
    if (!generation.success) {
      const issue = generation.error.issues[0];
      throw new TensorError(`${issue?.path.join('.') ?? 'request'}: ${issue?.message ?? 'invalid'}`);
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

function outputTensors(outcomes: readonly JobOutcome[], request: InferRequest) {
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
