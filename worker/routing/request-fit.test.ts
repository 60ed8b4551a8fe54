import { describe, expect, it } from 'vitest';
import { now, policy, pool, request, seeded } from '../testing/routing-fixtures.ts';
import { requestMisfit } from './eligibility.ts';
import { indexFleet } from './fleet-index.ts';
import { noObservations } from './fleet-view.ts';
import { pickPools } from './pick-pool.ts';

const serving = (sizes: readonly string[], maxSteps = 50) =>
  new Map([['tiny', { steps: 25, size: sizes[0] ?? '512x512', sizes, maxSteps }]]);

describe('routing on what each pool serves', () => {
  it('request fit: a size or step count outside what the pool reports for the model leaves it out', () => {
    const small = { modelDefaults: serving(['512x512']) };
    expect(requestMisfit(small, { model: 'tiny', asked: { size: '1024x1024' } })).toBe('size-not-served');
    expect(requestMisfit(small, { model: 'tiny', asked: { size: '512x512', steps: 80 } })).toBe(
      'steps-not-served',
    );
    expect(requestMisfit(small, { model: 'tiny', asked: { size: '512x512', steps: 50 } })).toBeNull();
    // Nothing asked, or nothing reported: not judged.
    expect(requestMisfit(small, { model: 'tiny' })).toBeNull();
    expect(requestMisfit({ modelDefaults: null }, { model: 'tiny', asked: { size: '64x64' } })).toBeNull();
  });

  it('request fit: a 1024 px request goes only to the pool that serves 1024 px, however loaded', () => {
    const idle = pool('small-idle', { modelDefaults: serving(['512x512']) });
    const busy = pool('large-busy', { modelDefaults: serving(['512x512', '1024x1024']), queued: 30 });
    const index = indexFleet([idle, busy], 'tiny', policy);
    for (let seed = 0; seed < 20; seed++) {
      const ranked = pickPools(index, {
        request: { ...request, asked: { size: '1024x1024' } },
        observations: noObservations,
        policy,
        now,
        random: seeded(seed),
      });
      expect(ranked.map(({ pool: picked }) => picked.poolId)).toEqual(['large-busy']);
    }
    const anySize = pickPools(index, {
      request,
      observations: noObservations,
      policy,
      now,
      random: seeded(1),
    });
    expect(anySize[0]?.pool.poolId).toBe('small-idle');
  });
});
