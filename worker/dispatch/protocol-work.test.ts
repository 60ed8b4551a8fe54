import { describe, expect, it } from 'vitest';
import { backends, isBackendProtocol } from '../../backends/index.ts';
import { type GenerationRequest, generationRequestSchema, requestWork } from '../../shared/index.ts';
import { rankPools } from '../routing/pick-pool.ts';
import { requestOnPool } from '../routing/work-model.ts';
import { now, policy, seeded, tinyDefaults, workPool } from '../testing/routing-fixtures.ts';
import { workByProtocol } from './protocol-work.ts';

const backendFor = (protocol: string) => (isBackendProtocol(protocol) ? backends[protocol]() : undefined);
const fleet = {
  pools: ['gpu-node', 'gpu-node', 'openai-compatible', 'kserve'].map((protocol) => ({
    provider: { protocol },
  })),
};

function generation(fields: Partial<GenerationRequest>): GenerationRequest {
  return generationRequestSchema.parse({ model: 'tiny', prompt: 'a lighthouse', ...fields });
}

describe('each adapter counts the work of a request (workOf)', () => {
  it('a 4-step request is the model default steps of work on an OpenAI-compatible API, 4 elsewhere', () => {
    const request = generation({ steps: 4, size: '512x512' });
    const asked = requestWork({ n: 1, steps: 4, size: '512x512' });
    const counts = workByProtocol(fleet, request, tinyDefaults, asked, backendFor);
    expect(counts).toEqual(
      new Map([['openai-compatible', requestWork({ n: 1, steps: 20, size: '512x512' })]]),
    );
  });

  it('no protocol differs when the request asks for the default steps', () => {
    const request = generation({ steps: 20, size: '512x512' });
    const asked = requestWork({ n: 1, steps: 20, size: '512x512' });
    expect(workByProtocol(fleet, request, tinyDefaults, asked, backendFor)).toBeUndefined();
  });

  it('routing predicts a pool with its own count: the hosted pool loses a 4-step request it would run at 20', () => {
    const work = requestWork({ n: 1, steps: 4, size: '512x512' });
    const hosted = workPool('hosted', { protocol: 'openai-compatible' });
    const owned = workPool('owned', { protocol: 'gpu-node' });
    const request = { model: 'tiny', images: 1, allowedProviders: [], allowedRegions: [], work, steps: 4 };
    const counted = {
      ...request,
      workByProtocol: new Map([['openai-compatible', requestWork({ n: 1, steps: 20, size: '512x512' })]]),
    };
    const rank = (routing: typeof request) =>
      rankPools({
        pools: [hosted, owned],
        request: routing,
        observations: { inFlight: new Map(), piggybacked: new Map(), ejectedUntil: new Map() },
        policy,
        now,
        random: seeded(1),
      });
    const alike = rank(request);
    expect(alike[0]?.predictedMs).toBeCloseTo(alike[1]?.predictedMs ?? 0, 6);
    const [first, second] = rank(counted);
    expect(first?.pool.poolId).toBe('owned');
    expect(second?.predictedMs).toBeGreaterThan(3 * (first?.predictedMs ?? 0));
    expect(requestOnPool(counted, hosted)).toMatchObject({
      work: counted.workByProtocol.get('openai-compatible'),
    });
    expect(requestOnPool(counted, hosted).steps).toBeUndefined();
    expect(requestOnPool(counted, owned)).toBe(counted);
  });
});
