import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ModelOffer } from '../../model/model-manifest.ts';
import type { JobSpec } from '../../scheduler/job.ts';
import { failureError, rejectionCode, rejectionError } from '../job-response.ts';
import { kserveErrorResponse } from '../kserve-error.ts';
import { inferJobSpecs, maxPromptsPerRequest, modelMetadata, readInferRequest } from '../kserve-infer.ts';
import { inferResponseBody } from '../kserve-response.ts';
import {
  duplicateTensorError,
  type InferRequest,
  TensorError,
  unknownTensorError,
} from '../kserve-tensors.ts';
import type { PoolContext, PoolEnv } from '../pool-context.ts';
import { awaitRequestJobs } from '../request-jobs.ts';

const MODEL_VERSION = '1';

/**
 * The inference routes, plain and versioned. They spend compute as /v1/generate does, so the
 * app mounts the edge-token check on each of them.
 */
export const kserveInferPaths = [
  '/v2/models/:model/infer',
  '/v2/models/:model/versions/:version/infer',
] as const;

/**
 * KServe v2 / Open Inference Protocol: health, server and model metadata, readiness, and JSON
 * inference, each model endpoint also under `/versions/1` (the one version metadata
 * advertises), so standard inference clients and load balancers can talk to a pool. Errors on
 * this surface use the protocol's `{ "error": "…" }` shape.
 */
export function kserveRoutes(pool: PoolContext): Hono<PoolEnv> {
  const app = new Hono<PoolEnv>();
  const ready = () => !pool.scheduler.draining;
  const fail = (context: Context<PoolEnv>, status: ContentfulStatusCode, message: string) =>
    kserveErrorResponse(context, status, message);
  // The served model a path names, or the 404 to answer: unknown model, or unknown version.
  const resolve = (context: Context<PoolEnv>): ModelOffer | Response => {
    const name = context.req.param('model') ?? '';
    const offer = pool.manifests.get(name);
    if (!offer) return fail(context, 404, `unknown model ${name}`);
    const version = context.req.param('version');
    if (version !== undefined && version !== MODEL_VERSION) {
      return fail(context, 404, `unknown version ${version} of model ${name}; it has ${MODEL_VERSION}`);
    }
    return offer;
  };

  app.get('/v2/health/live', (context) => context.body(null, 200));
  app.get('/v2/health/ready', (context) => context.body(null, ready() ? 200 : 503));
  app.get('/v2', (context) =>
    context.json({ name: 'spillway-gpu-node', version: pool.version, extensions: [] }),
  );

  const metadata = (context: Context<PoolEnv>) => {
    const offer = resolve(context);
    return offer instanceof Response
      ? offer
      : context.json(modelMetadata(offer, MODEL_VERSION, maxPromptsPerRequest(pool)));
  };
  app.get('/v2/models/:model', metadata);
  app.get('/v2/models/:model/versions/:version', metadata);

  // Unknown model: 404, as its metadata. A served model is loaded and warm before the pool
  // listens, so the only not-ready state is the pool draining: 503, as Triton answers while
  // the server itself is not ready (and as /v2/health/ready does).
  const modelReady = (context: Context<PoolEnv>) => {
    const offer = resolve(context);
    return offer instanceof Response ? offer : context.body(null, ready() ? 200 : 503);
  };
  app.get('/v2/models/:model/ready', modelReady);
  app.get('/v2/models/:model/versions/:version/ready', modelReady);

  const infer = async (context: Context<PoolEnv>) => {
    const offer = resolve(context);
    if (offer instanceof Response) return offer;
    const owner = context.get('tenant');
    let request: InferRequest;
    let specs: JobSpec[];
    try {
      request = await readInferRequest(context);
      const refused = duplicateTensorError(request) ?? unknownTensorError(offer.name, request);
      if (refused) throw refused;
      specs = inferJobSpecs(pool, offer, request, owner);
    } catch (error) {
      if (error instanceof TensorError) return fail(context, 400, error.message);
      // An ApiError (a too-large body, an unsupported size) keeps its status through the app's
      // error handler, which answers /v2 paths in the KServe shape.
      throw error;
    }
    // All prompts or none: a refused request has joined, admitted and cancelled nothing.
    const submitted = pool.scheduler.submitAll(specs);
    if (!submitted.ok) {
      if (submitted.reason === 'foreign_job_id') {
        pool.logger.warn(
          { request_id: context.get('requestId'), kserve_id: request.id, tenant: owner },
          "refused a request id whose jobs another tenant's request holds",
        );
      }
      pool.metrics.countRejection(rejectionCode(submitted));
      // Keeps its status and headers (Retry-After) through the app's error handler.
      throw rejectionError(submitted);
    }
    const jobs = submitted.jobs.map(({ job }) => job);
    const outcome = await awaitRequestJobs(jobs, context.req.raw.signal, (job) =>
      pool.scheduler.cancel(job.spec.jobId, owner),
    );
    // The status of the same failure on /v1 (job_canceled 409, deadline_exceeded 504, …).
    if (!outcome.ok) throw failureError(outcome);
    const head = {
      model_name: offer.name,
      model_version: MODEL_VERSION,
      id: request.id ?? context.get('requestId'),
    };
    const body = inferResponseBody(head, { jobs, images: outcome.images }, request, pool.imageTensors);
    return context.body(body, 200, { 'content-type': 'application/json' });
  };
  for (const path of kserveInferPaths) app.post(path, infer);

  return app;
}
