import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/index.ts';
import type { ModelDefaults, PoolView } from '../routing/index.ts';
import type { RoutingTenant } from '../tenants/tenant-records.ts';
import { now, pool } from '../testing/routing-fixtures.ts';
import { refuseUnservedAsk } from './job-fit.ts';

const tenant: RoutingTenant = { id: 'fit-tenant', tier: 'free', allowed_providers: [], allowed_regions: [] };

const serving = (sizes: readonly string[], maxSteps = 50): ReadonlyMap<string, ModelDefaults> =>
  new Map([['tiny', { steps: 25, size: sizes[0] ?? '512x512', sizes, maxSteps }]]);

/** A gpu-node pool that reported serving `sizes` of the test model. */
const reported = (poolId: string, sizes: readonly string[], overrides: Partial<PoolView> = {}) =>
  pool(poolId, { protocol: 'gpu-node', modelDefaults: serving(sizes), ...overrides });

/** A gpu-node pool registered for the test model that has never sent a heartbeat. */
const neverReported = (poolId: string) =>
  pool(poolId, { protocol: 'gpu-node', reportedAt: null, ready: false, modelDefaults: null });

/** The refusal `refuseUnservedAsk` throws, or null when it lets the job through. */
function refusal(pools: readonly PoolView[], ask: { size?: string; steps?: number }) {
  try {
    refuseUnservedAsk(pools, tenant, { model: 'tiny', ...ask });
    return null;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { code: error.code, param: error.param, message: error.message };
  }
}

describe('job fit at submission', () => {
  it('job fit: a pool that never reported does not make a size no reporting pool serves look servable', () => {
    const pools = [reported('small', ['64x64']), neverReported('ghost')];
    expect(refusal(pools, { size: '257x256' })).toEqual({
      code: 'unsupported_value',
      param: 'size',
      message: 'size 257x256 is not served for tiny: one of 64x64',
    });
    expect(refusal(pools, { size: '64x64', steps: 80 })).toMatchObject({ param: 'steps' });
    expect(refusal(pools, { size: '64x64', steps: 50 })).toBeNull();
  });

  it('job fit: a stale pool is judged on its last report', () => {
    const stale = reported('stale', ['64x64'], { reportedAt: now - 3_600_000 });
    expect(refusal([stale, neverReported('ghost')], { size: '257x256' })).toMatchObject({ param: 'size' });
  });

  it('job fit: when no pool for the model ever reported, the job is left to dispatch', () => {
    expect(refusal([neverReported('ghost')], { size: '257x256' })).toBeNull();
    expect(refusal([neverReported('ghost'), neverReported('ghost-2')], { steps: 9_999 })).toBeNull();
  });

  it('job fit: a pool of a protocol that reports no ranges is taken to serve any size, reported or not', () => {
    const openAi = pool('openai', { protocol: 'openai-compatible', reportedAt: null, modelDefaults: null });
    expect(refusal([reported('small', ['64x64']), openAi], { size: '257x256' })).toBeNull();
  });

  it('job fit: pools the tenant may not use neither serve nor refuse its request', () => {
    const elsewhere = reported('elsewhere', ['257x256'], { providerId: 'prov-b' });
    const pools = [reported('small', ['64x64']), elsewhere];
    const restricted = { ...tenant, allowed_providers: ['prov-a'] };
    expect(() => refuseUnservedAsk(pools, restricted, { model: 'tiny', size: '257x256' })).toThrow(
      /one of 64x64$/,
    );
    expect(refusal(pools, { size: '257x256' })).toBeNull();
  });

  it('job fit: the step limit named is that of the pools serving the asked size', () => {
    const pools = [
      reported('small', ['64x64']),
      reported('large', ['128x128'], {
        modelDefaults: new Map([['tiny', { steps: 4, size: '128x128', sizes: ['128x128'], maxSteps: 8 }]]),
      }),
    ];
    expect(refusal(pools, { size: '128x128', steps: 20 })).toMatchObject({
      param: 'steps',
      message: 'steps must be at most 8 for tiny at 128x128',
    });
  });
});
