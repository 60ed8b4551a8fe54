import type { LoadTarget } from './load.ts';
import { benchGenerationBody } from './spillway-setup.ts';

// A stand-in the size of a real dispatch token (EdDSA compact JWT, about 330 characters), so the
// direct and passthrough requests carry the headers the edge's own call to the pool carries.
const dispatchTokenStandIn = `eyJ${'x'.repeat(80)}.eyJ${'y'.repeat(160)}.${'z'.repeat(86)}`;

/** The body Spillway's edge posts to a gpu-node pool for {@link benchGenerationBody}. */
const poolRequestBody = JSON.stringify({
  ...(JSON.parse(benchGenerationBody) as Record<string, unknown>),
  n: 1,
  response_format: 'b64_json',
  priority: 'normal',
  deadline_ms: 60_000,
  job_id: 'edge-bench-request-0000',
});

const poolHeaders = {
  accept: 'application/json',
  'content-type': 'application/json',
  authorization: `Bearer ${dispatchTokenStandIn}`,
};

/** `POST {origin}/v1/generate` as the edge would send it: the upstream itself, or a passthrough to it. */
export function generateTarget(name: string, origin: string, cpuRoot?: number): LoadTarget {
  return {
    name,
    url: `${origin}/v1/generate`,
    headers: poolHeaders,
    body: poolRequestBody,
    ...(cpuRoot ? { cpuRoot } : {}),
  };
}

/** `POST {edge}/v1/images/generations` with the tenant's API key. */
export function spillwayTarget(name: string, edgeUrl: string, apiKey: string, cpuRoot?: number): LoadTarget {
  return {
    ...(cpuRoot ? { cpuRoot } : {}),
    name,
    url: `${edgeUrl}/v1/images/generations`,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: benchGenerationBody,
  };
}
