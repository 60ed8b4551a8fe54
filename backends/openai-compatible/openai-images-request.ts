import type { BackendCall } from '../backend.ts';

/** The OpenAI Images request body (`POST /images/generations`) for a call. */
export interface OpenAiImagesBody {
  readonly model?: string;
  readonly prompt: string;
  readonly n: number;
  readonly size?: string;
  readonly quality?: string;
  readonly style?: string;
  readonly response_format: 'b64_json';
}

/**
 * The body sent for `call`, and a warning for each request option the Images API has no field
 * for (it is dropped, never silently). Images are always asked for as `b64_json`; the client's
 * end-user id (`user`) stays at the edge, as with gpu-node.
 */
export function openAiImagesBody(call: BackendCall): { body: OpenAiImagesBody; warnings: string[] } {
  const { request } = call;
  const model = call.upstream?.model ?? request.model;
  const body: OpenAiImagesBody = {
    ...(model === undefined ? {} : { model }),
    prompt: request.prompt,
    n: request.n,
    ...(request.size === undefined ? {} : { size: request.size }),
    ...(request.quality === undefined ? {} : { quality: request.quality }),
    ...(request.style === undefined ? {} : { style: request.style }),
    response_format: 'b64_json',
  };
  const warnings: string[] = [];
  const unsupported = (field: string) =>
    warnings.push(`${field} is not an OpenAI Images parameter; the provider chose its own`);
  if (request.steps !== undefined) unsupported('steps');
  if (request.seed !== undefined) unsupported('seed');
  if (request.negative_prompt !== undefined) unsupported('negative_prompt');
  if (request.guidance_scale !== undefined) unsupported('guidance_scale');
  if (request.priority !== 'normal') {
    warnings.push(`priority ${request.priority} cannot be passed to an OpenAI Images provider`);
  }
  return { body, warnings };
}
