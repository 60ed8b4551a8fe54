import type { GenerationRequest, WorkFunction } from '../../shared/index.ts';

/** OpenAI fields no hosted image model takes; reported back, never silently dropped. */
const UNSUPPORTED_OPTIONS = ['quality', 'style'] as const;

/**
 * Warnings for request options a hosted provider cannot honour whatever the model: OpenAI's
 * `quality` and `style`, and a scheduling `priority` other than normal (providers schedule
 * their own queues). `user` and `response_format` are not options towards a pool: the edge keeps
 * the user id and issues URLs itself.
 */
export function commonWarnings(request: GenerationRequest, provider: string): string[] {
  const warnings = UNSUPPORTED_OPTIONS.filter((option) => request[option] !== undefined).map(
    (option) => `${option} is not supported by ${provider} and was ignored`,
  );
  if (request.priority !== 'normal') {
    warnings.push(`priority ${request.priority} is not supported by ${provider} and was ignored`);
  }
  return warnings;
}

/** `WIDTHxHEIGHT` as numbers, or null when absent. */
export function imageSize(size: string | undefined): { width: number; height: number } | null {
  const match = size === undefined ? null : /^(\d+)x(\d+)$/.exec(size);
  return match ? { width: Number(match[1]), height: Number(match[2]) } : null;
}

/** A request's work with the fleet's model defaults for the fields it leaves out. */
export function workOfRequest(
  work: WorkFunction,
  request: GenerationRequest,
  defaults: { readonly steps: number; readonly size: string },
): number {
  return work({ n: request.n, steps: request.steps ?? defaults.steps, size: request.size ?? defaults.size });
}
