import type { Context, MiddlewareHandler } from 'hono';
import { ApiError, requestWork } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { fleetIndexOf } from '../fleet/pool-views.ts';
import type { ObservedRoute, RequestEvent } from '../observability/request-event.ts';
import { RequestObservation } from '../observability/request-observation.ts';
import { requestTrace } from '../observability/request-trace.ts';

/** The routes whose requests are logged and counted, by `METHOD path`. */
const observedRoutes: ReadonlyMap<string, ObservedRoute> = new Map([
  ['POST /v1/images/generations', 'generation'],
  ['POST /v1/jobs', 'job_submit'],
]);

/**
 * Tracing for every request, logs and stats for generations and job submissions: reads the
 * client's W3C `traceparent` (a new trace when absent or invalid), answers with the edge's span
 * in the `traceparent` header, and hands routes an `observation` to fill in (model, work, pools
 * tried). Once a generation or job submission is answered, its event goes to
 * `deps.observability`: a log line, an Analytics Engine data point and the stats, none of them
 * awaited by the request (other routes may carry a due stats flush). Other routes get no line: Workers Logs already record every invocation's
 * method, path and status, and pool heartbeats would drown the generations.
 */
export function observeRequests(): MiddlewareHandler<AppEnv> {
  return async (context, next) => {
    const trace = requestTrace(context.req.header('traceparent'));
    // Set before the handler: Hono carries headers set early onto the responses it builds
    // (`context.json`, errors); `echoTrace` covers a Response a handler built itself.
    context.header('traceparent', trace.traceparent);
    const observation = new RequestObservation(trace);
    context.set('observation', observation);
    const route = observedRoutes.get(`${context.req.method} ${context.req.path}`);
    const { deps } = context.var;
    if (route === undefined) {
      await next();
      echoTrace(context.res, trace.traceparent);
      // Any request may carry the isolate's pending counts to the aggregator.
      deps.observability.stats.flushIfDue(waitUntilOf(context));
      return;
    }
    const startedAt = deps.now();
    await next();
    echoTrace(context.res, trace.traceparent);
    const event = await eventOf(context, route, observation, startedAt);
    deps.observability.finished(event, waitUntilOf(context));
  };
}

async function eventOf(
  context: Context<AppEnv>,
  route: ObservedRoute,
  observation: RequestObservation,
  startedAt: number,
): Promise<RequestEvent> {
  const { deps } = context.var;
  const principal = context.get('principal') as AppEnv['Variables']['principal'] | undefined;
  const tenant = principal?.kind === 'tenant' ? principal.tenant : null;
  const body = validatedBody(context);
  const model = observation.model ?? body?.model ?? (tenant ? deps.config.defaultModel : null);
  return {
    at: deps.now(),
    requestId: context.get('requestId'),
    route,
    tenantId: tenant?.id ?? null,
    tier: tenant?.tier ?? null,
    model,
    poolId: observation.poolId,
    providerId: observation.providerId,
    attempts: observation.attempts,
    hedged: observation.hedged,
    status: context.res.status,
    code: await errorCodeOf(context),
    latencyMs: Math.max(0, deps.now() - startedAt),
    work: observation.work ?? (body && model ? submittedWork(context, body, model) : null),
    traceId: observation.trace.traceId,
    ...(observation.admission ? { admission: observation.admission } : {}),
  };
}

/** The fields of a generation request the event reads, as the route validated them. */
interface BodyFields {
  readonly model?: string;
  readonly n?: number;
  readonly steps?: number;
  readonly size?: string;
}

/** The route's validated JSON body, if it got that far (`req.valid` holds it after the handler). */
function validatedBody(context: Context<AppEnv>): BodyFields | null {
  const request = context.req as unknown as { valid(target: 'json'): unknown };
  const body = request.valid('json');
  return typeof body === 'object' && body !== null ? (body as BodyFields) : null;
}

/** A job's work at submission: its fields, else the model's defaults in the isolate's snapshot. */
function submittedWork(context: Context<AppEnv>, body: BodyFields, model: string): number | null {
  const { deps } = context.var;
  const snapshot = deps.fleet.current();
  const defaults = snapshot ? fleetIndexOf(snapshot, model, deps.config.routing).defaults : null;
  const steps = body.steps ?? defaults?.steps;
  const size = body.size ?? defaults?.size;
  if (steps === undefined || size === undefined) return null;
  return requestWork({ n: body.n ?? 1, steps, size });
}

/** The error envelope's code of the answer; null for a success. */
async function errorCodeOf(context: Context<AppEnv>): Promise<string | null> {
  const { status } = context.res;
  if (status < 400) return null;
  if (context.error instanceof ApiError) return context.error.code;
  if (context.error) return 'internal_error';
  // An envelope a route built itself: small, and only read on this rare path.
  const envelope: unknown = await context.res
    .clone()
    .json()
    .catch(() => null);
  const code = (envelope as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code : `http_${status}`;
}

function waitUntilOf(context: Context<AppEnv>): (promise: Promise<unknown>) => void {
  try {
    const ctx = context.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    // `app.request()` without an execution context (a unit test): the flush runs unattended.
    return (promise) => {
      promise.catch(() => undefined);
    };
  }
}

function echoTrace(response: Response, traceparent: string): void {
  if (response.headers.has('traceparent')) return;
  try {
    response.headers.set('traceparent', traceparent);
  } catch {
    // A fetched response's headers are immutable; such a response goes without the header.
  }
}
