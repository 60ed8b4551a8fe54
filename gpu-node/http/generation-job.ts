import { createHash, randomUUID } from 'node:crypto';
import type { PoolGenerationRequest } from '../../shared/index.ts';
import { parseSize } from '../model/model-manifest.ts';
import type { JobOwner, JobSpec } from '../scheduler/job.ts';
import { ApiError } from './api-error.ts';
import type { PoolContext } from './pool-context.ts';

/** OpenAI options a pool accepts but cannot honour; reported back as warnings. */
const ignoredOptions = ['quality', 'style'] as const;
/** Options only models that guide honour (pipelines; not the built-in contract model). */
const guidanceOptions = ['negative_prompt', 'guidance_scale'] as const;

/** Who submits a job and how it is watched. */
export interface JobSubmission {
  /** The verified token's `sub` (the `tenant` of the request context); null without auth. */
  readonly owner: JobOwner;
  /** A client streams the job's progress. */
  readonly streamProgress: boolean;
}

/**
 * Turns a validated request into a job spec against the served models: unknown model ⇒ 404,
 * unsupported size or steps ⇒ 400 naming the field. Defaults (seed, steps, size) are drawn here,
 * per call.
 */
export function toJobSpec(
  pool: Pick<PoolContext, 'manifests' | 'defaultModel' | 'now' | 'randomSeed'>,
  request: PoolGenerationRequest,
  submission: JobSubmission,
): { spec: JobSpec; warnings: string[]; size: string } {
  const modelName = request.model ?? pool.defaultModel;
  const manifest = pool.manifests.get(modelName);
  if (!manifest) {
    throw new ApiError('model_not_found', `model ${modelName} is not served by this pool`, {
      param: 'model',
    });
  }
  if (request.response_format === 'url') {
    throw new ApiError('unsupported_value', 'pools return b64_json; URLs are issued by the edge', {
      param: 'response_format',
    });
  }
  const size = request.size ?? manifest.default_size;
  if (!manifest.sizes.includes(size)) {
    throw new ApiError('unsupported_value', `size must be one of ${manifest.sizes.join(', ')}`, {
      param: 'size',
    });
  }
  const steps = request.steps ?? manifest.default_steps;
  if (steps > manifest.max_steps) {
    throw new ApiError('unsupported_value', `steps must be at most ${manifest.max_steps}`, {
      param: 'steps',
    });
  }
  const guides = manifest.default_guidance_scale !== undefined;
  const [width, height] = parseSize(size);
  const now = pool.now();
  const spec: JobSpec = {
    jobId: request.job_id ?? `job_${randomUUID()}`,
    owner: submission.owner,
    model: modelName,
    prompt: request.prompt,
    ...(guides && request.negative_prompt !== undefined ? { negativePrompt: request.negative_prompt } : {}),
    ...(guides ? { guidanceScale: request.guidance_scale ?? manifest.default_guidance_scale } : {}),
    count: request.n,
    firstSeed: request.seed ?? pool.randomSeed(),
    steps,
    width,
    height,
    priority: request.priority,
    deadlineAt: request.deadline_ms === undefined ? null : now + request.deadline_ms,
    fingerprint: fingerprint(request),
    streamProgress: submission.streamProgress,
  };
  const ignored = guides ? ignoredOptions : [...ignoredOptions, ...guidanceOptions];
  const warnings = ignored
    .filter((option) => request[option] !== undefined)
    .map((option) => `${option} is not supported by ${modelName} and was ignored`);
  return { spec, warnings, size };
}

// The body as the client sent it (before defaults are drawn), minus fields that may differ
// between honest retries of the same job.
function fingerprint(request: PoolGenerationRequest): string {
  const { job_id: _jobId, deadline_ms: _deadline, priority: _priority, user: _user, ...identity } = request;
  const canonical = JSON.stringify(Object.entries(identity).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(canonical).digest('base64url');
}
