import { Hono } from 'hono';
import { poolGenerationRequestSchema, readOpenAiBody } from '../../../shared/index.ts';
import { ApiError } from '../api-error.ts';
import { streamJob } from '../event-stream.ts';
import { toJobSpec } from '../generation-job.ts';
import { failureError, generationResponseBody, rejectionCode, rejectionError } from '../job-response.ts';
import type { PoolContext, PoolEnv } from '../pool-context.ts';
import { readJsonBody } from '../read-json-body.ts';

/**
 * `POST /v1/generate`, `GET /v1/jobs/:job_id`, `DELETE /v1/jobs/:job_id`. A job belongs to the
 * tenant (`sub`) of the token that submitted it: only that tenant joins it by its id (another
 * gets 409 `job_id_conflict`), reads or cancels it (another gets 404 `job_not_found`, as for an
 * id never seen). Without auth every caller is the same owner.
 */
export function generateRoutes(pool: PoolContext): Hono<PoolEnv> {
  const app = new Hono<PoolEnv>();

  app.post('/v1/generate', async (context) => {
    // `null` in an optional field means "not given", as the edge reads it (OpenAI's SDKs send
    // `None` that way); a null required field stays, so validation names it.
    const request = await readJsonBody(
      context,
      poolGenerationRequestSchema,
      (body) => readOpenAiBody(body, poolGenerationRequestSchema).body,
    );
    const streaming = /\btext\/event-stream\b/.test(context.req.header('accept') ?? '');
    const owner = context.get('tenant');
    const { spec, warnings } = toJobSpec(pool, request, { owner, streamProgress: streaming });
    const submitted = pool.scheduler.submit(spec);
    if (!submitted.ok) {
      if (submitted.reason === 'foreign_job_id') {
        pool.logger.warn(
          { request_id: context.get('requestId'), job_id: spec.jobId, tenant: owner },
          "refused a job id that another tenant's job holds",
        );
      }
      pool.metrics.countRejection(rejectionCode(submitted));
      throw rejectionError(submitted);
    }
    const { job } = submitted;
    const release = job.watch();
    // A client that hangs up frees its slots, unless another caller of the same job_id still waits.
    const abandon = () => {
      if (release() === 0 && !job.finished) pool.scheduler.cancel(job.spec.jobId, owner);
    };
    context.header('x-spillway-job-id', job.spec.jobId);
    if (streaming) {
      return streamJob(context, pool, job, warnings, abandon);
    }
    context.req.raw.signal.addEventListener('abort', abandon, { once: true });
    const outcome = await job.settled;
    context.req.raw.signal.removeEventListener('abort', abandon);
    release();
    if (!outcome.ok) throw failureError(outcome);
    return context.body(generationResponseBody(pool, job, outcome, warnings), 200, {
      'content-type': 'application/json',
    });
  });

  app.get('/v1/jobs/:job_id', (context) => {
    const job = pool.scheduler.get(context.req.param('job_id'), context.get('tenant'));
    if (!job) throw jobNotFound();
    return context.json({
      id: job.spec.jobId,
      status: job.state,
      queue_position: job.queuedSamples > 0 ? pool.scheduler.positionOf(job) : null,
      steps: job.spec.steps,
    });
  });

  app.delete('/v1/jobs/:job_id', (context) => {
    const jobId = context.req.param('job_id');
    const owner = context.get('tenant');
    if (!pool.scheduler.cancel(jobId, owner)) throw jobNotFound();
    const job = pool.scheduler.get(jobId, owner);
    return context.json({ id: jobId, status: job?.state ?? 'canceled' });
  });

  return app;
}

// One answer for an id never seen, expired, or another tenant's.
function jobNotFound(): ApiError {
  return new ApiError('job_not_found', 'no such job on this pool', { param: 'job_id' });
}
