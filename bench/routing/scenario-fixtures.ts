/** Small scenario parts for the scenario tests: a valid header and two unequal pools. */
export const base = { name: 'x', rho: 0.7, dispatchers: 8, refreshMs: 1_000, seeds: [1] };
export const poolA = { id: 'a', provider: 'p', region: 'eu', slots: 8, jobMs: 1_000 };
export const poolB = { id: 'b', provider: 'q', region: 'us', slots: 8, jobMs: 1_500 };
export const twoPools = [poolA, poolB];
