import type { PoolSpec } from './pool-spec.ts';

/**
 * The built-in fleet: 16 pools across 4 providers and 3 regions, 4 to 16 slots, 0.6 to 2.5 s a
 * job: a 4x spread in both, so ignoring speed (round-robin) or size (least-busy) costs.
 */
export const mixedFleet: readonly PoolSpec[] = [
  { id: 'eu-a-1', provider: 'prov-a', region: 'eu', slots: 16, jobMs: 800 },
  { id: 'eu-a-2', provider: 'prov-a', region: 'eu', slots: 8, jobMs: 800 },
  { id: 'eu-b-1', provider: 'prov-b', region: 'eu', slots: 8, jobMs: 1_200 },
  { id: 'eu-c-1', provider: 'prov-c', region: 'eu', slots: 4, jobMs: 2_000 },
  { id: 'eu-d-1', provider: 'prov-d', region: 'eu', slots: 12, jobMs: 1_400 },
  { id: 'us-a-1', provider: 'prov-a', region: 'us', slots: 16, jobMs: 1_000 },
  { id: 'us-a-2', provider: 'prov-a', region: 'us', slots: 4, jobMs: 700 },
  { id: 'us-b-1', provider: 'prov-b', region: 'us', slots: 16, jobMs: 1_200 },
  { id: 'us-c-1', provider: 'prov-c', region: 'us', slots: 8, jobMs: 1_500 },
  { id: 'us-d-1', provider: 'prov-d', region: 'us', slots: 4, jobMs: 600 },
  { id: 'us-d-2', provider: 'prov-d', region: 'us', slots: 8, jobMs: 2_500 },
  { id: 'ap-a-1', provider: 'prov-a', region: 'ap', slots: 8, jobMs: 1_000 },
  { id: 'ap-b-1', provider: 'prov-b', region: 'ap', slots: 4, jobMs: 1_600 },
  { id: 'ap-b-2', provider: 'prov-b', region: 'ap', slots: 12, jobMs: 1_100 },
  { id: 'ap-c-1', provider: 'prov-c', region: 'ap', slots: 16, jobMs: 2_000 },
  { id: 'ap-d-1', provider: 'prov-d', region: 'ap', slots: 8, jobMs: 900 },
];

/** Edge regions and the share of traffic (and of isolates) each one gets. */
export const edgeRegions: readonly { readonly region: string; readonly share: number }[] = [
  { region: 'eu', share: 0.35 },
  { region: 'us', share: 0.4 },
  { region: 'ap', share: 0.25 },
];

const crossRegionRttMs: Readonly<Record<string, number>> = {
  'eu|us': 90,
  'ap|us': 140,
  'ap|eu': 180,
};

/** Round trip between an edge region and a pool region, ms. */
export function rttMs(edgeRegion: string, poolRegion: string): number {
  if (edgeRegion === poolRegion) return 20;
  const key = [edgeRegion, poolRegion].sort().join('|');
  return crossRegionRttMs[key] ?? 150;
}
