import { Command } from 'commander';
import { z } from 'zod';
import { adminClient } from '../../scripts/local-stack/admin-client.ts';
import type { SourceStats } from '../../worker/fleet/source-stats.ts';
import { parseBenchFlags, positiveIntegerFlag } from '../bench-flags.ts';
import { quantile, round } from '../gpu-node/percentiles.ts';
import {
  driveHeartbeats,
  driveIsolates,
  type HeartbeatResults,
  type IsolateResults,
} from './load-drivers.ts';
import { type LoadSample, objectRates, readLoads } from './registry-load.ts';
import { startRegistryStack } from './registry-stack.ts';
import { registerSimulatedPools, simulatedPools } from './simulated-pools.ts';

// The registry under fleet-scale load (issue 15, docs/scaling.md): simulated gpu-node pools
// registered through the admin API and heartbeating once a second with signed reports, plus
// simulated isolates refreshing their fleet copies, against the edge in workerd. Prints what each
// registry object served per second, heartbeat acceptance latency and snapshot bytes per refresh.
//
//   npm run bench:registry -- --json [--pools 2000] [--isolates 64] [--regions 4] [--seconds 20]

const flags = parseBenchFlags(
  new Command('bench-registry')
    .description('The registry under fleet-scale load: simulated pools heartbeating, isolates refreshing.')
    .option('--json', 'print one JSON document instead of a summary')
    .option('--pools <n>', 'simulated pools, each heartbeating once a second', '2000')
    .option('--isolates <n>', 'simulated isolates refreshing their fleet copies', '64')
    .option('--regions <n>', 'regions the pools spread over (one registry shard each)', '4')
    .option('--seconds <s>', 'seconds of measured load', '20')
    .option(
      '--burst-share <share>',
      'chance that a report brings a burst of load, a significant change (0-1)',
      '0.05',
    ),
  z.object({
    json: z.boolean().default(false),
    pools: positiveIntegerFlag,
    isolates: positiveIntegerFlag,
    regions: positiveIntegerFlag,
    seconds: z.coerce.number().positive(),
    burstShare: z.coerce.number().min(0).max(1),
  }),
  process.argv.slice(2),
);
const POOLS = flags.pools;
const ISOLATES = flags.isolates;
const REGIONS = Array.from({ length: flags.regions }, (_, index) => `bench-r${index}`);
const PHASE_MS = flags.seconds * 1_000;
const BURST_SHARE = flags.burstShare;
/** Registrations sent at once. */
const REGISTRATION_CONCURRENCY = 8;
/** Heartbeats before measuring, so every pool has its first (full) report stored, ms. */
const WARM_UP_MS = 3_000;

const log = (line: string) => {
  if (!flags.json) console.log(line);
};

const stack = await startRegistryStack();
try {
  const admin = adminClient(stack.edgeUrl, stack.operatorToken);
  const pools = simulatedPools(POOLS, REGIONS);
  const registrationStarted = Date.now();
  await registerSimulatedPools(admin, pools, stack.poolUrl, REGISTRATION_CONCURRENCY);
  const registrationMs = Date.now() - registrationStarted;
  log(`registered ${POOLS} pools in ${REGIONS.length} regions in ${registrationMs} ms`);

  await driveHeartbeats(stack.edgeUrl, pools, BURST_SHARE, Date.now() + WARM_UP_MS);
  const probe = await fetch(`${stack.edgeUrl}/__bench/isolates/full-probe/refresh?shared=0`, {
    method: 'POST',
  });
  const full = ((await probe.json()) as { pools: number; stats: SourceStats }).stats;
  log(`a full read of ${REGIONS.length} shards: ${full.fullBytes} bytes`);

  const names = ['fleet', ...REGIONS.map((region) => `fleet:${region}`)];
  const phase = async (shared: boolean, homeOf?: (index: number) => string) => {
    const before: LoadSample = await readLoads(stack.edgeUrl, names);
    const until = Date.now() + PHASE_MS;
    const [heartbeats, isolates]: [HeartbeatResults, IsolateResults] = await Promise.all([
      driveHeartbeats(stack.edgeUrl, pools, BURST_SHARE, until),
      driveIsolates(stack.edgeUrl, ISOLATES, shared, until, homeOf),
    ]);
    const after = await readLoads(stack.edgeUrl, names);
    return { heartbeats, isolates, objects: objectRates(before, after) };
  };
  const withCache = await phase(true);
  log('phase 1 (isolates share copies through the Cache API) done');
  // The first phase's isolates go, as isolates of a location are replaced: memory for the second.
  await fetch(`${stack.edgeUrl}/__bench/isolates/reset`, { method: 'POST' });
  const withoutCache = await phase(false);
  log('phase 2 (every isolate reads its shards) done');
  await fetch(`${stack.edgeUrl}/__bench/isolates/reset`, { method: 'POST' });
  // Each isolate routes to one region, spread evenly, as isolates route to the pools near them.
  const routedOnly = await phase(false, (index) => REGIONS[index % REGIONS.length] ?? '');
  log('phase 3 (every isolate reads its own region every second, the others every few) done');

  const shardsOf = (objects: ReturnType<typeof objectRates>) =>
    objects.filter((object) => object.name.startsWith('fleet:'));
  const max = (values: number[]) => Math.max(0, ...values);
  const summary = (result: typeof withCache) => {
    const { heartbeats, isolates, objects } = result;
    const shards = shardsOf(objects);
    const seconds = PHASE_MS / 1_000;
    const deltaReads = isolates.stats.shardReads - isolates.stats.fullReads;
    return {
      heartbeats_per_s: round(heartbeats.accepted / seconds),
      heartbeats_refused: heartbeats.refused,
      heartbeats_dropped_by_driver: heartbeats.dropped,
      heartbeat_p50_ms: round(quantile(heartbeats.latenciesMs, 0.5)),
      heartbeat_p99_ms: round(quantile(heartbeats.latenciesMs, 0.99)),
      isolate_refreshes_per_s: round(isolates.stats.refreshes / seconds),
      isolate_refresh_errors: isolates.errors,
      isolate_refresh_p99_ms: round(quantile(isolates.refreshLatenciesMs, 0.99)),
      pools_seen_by_isolates: isolates.pools,
      shard_reads_per_s_max: round(max(shards.map((shard) => shard.readsPerS))),
      shard_writes_per_s_max: round(max(shards.map((shard) => shard.writesPerS))),
      shard_requests_per_s_max: round(max(shards.map((shard) => shard.requestsPerS))),
      coalesced_share: round(
        shards.reduce((sum, shard) => sum + shard.coalescedPerS, 0) /
          Math.max(
            1,
            shards.reduce((sum, shard) => sum + shard.reportsPerS, 0),
          ),
      ),
      shared_hit_share: round(
        isolates.stats.sharedHits / Math.max(1, isolates.stats.sharedHits + isolates.stats.shardReads),
      ),
      delta_bytes_per_shard_read: round(deltaReads > 0 ? isolates.stats.deltaBytes / deltaReads : null),
      regions_held_per_isolate_refresh: round(
        isolates.stats.heldRegions / Math.max(1, isolates.stats.refreshes),
      ),
      snapshot_bytes_per_isolate_refresh: round(
        (isolates.stats.deltaBytes + isolates.stats.fullBytes) / Math.max(1, isolates.stats.refreshes),
      ),
      objects,
    };
  };
  const shared = summary(withCache);
  const own = summary(withoutCache);
  const routed = summary(routedOnly);
  const report = {
    bench: 'registry',
    setup: {
      pools: POOLS,
      regions: REGIONS.length,
      isolates: ISOLATES,
      phase_seconds: PHASE_MS / 1_000,
      burst_share: BURST_SHARE,
      registration_ms: registrationMs,
    },
    headline: {
      heartbeats_per_s_target: POOLS,
      heartbeats_per_s_achieved: shared.heartbeats_per_s,
      heartbeat_p99_ms: shared.heartbeat_p99_ms,
      shard_writes_per_s_max: shared.shard_writes_per_s_max,
      shard_reads_per_s_max_shared: shared.shard_reads_per_s_max,
      shard_reads_per_s_max_unshared: own.shard_reads_per_s_max,
      shard_reads_per_s_max_routed: routed.shard_reads_per_s_max,
      directory_requests_per_s: shared.objects.find((object) => object.name === 'fleet')?.requestsPerS ?? 0,
      coalesced_share: shared.coalesced_share,
      full_snapshot_bytes: full.fullBytes,
      delta_bytes_per_shard_read: own.delta_bytes_per_shard_read,
      snapshot_bytes_per_isolate_refresh_shared: shared.snapshot_bytes_per_isolate_refresh,
      snapshot_bytes_per_isolate_refresh_unshared: own.snapshot_bytes_per_isolate_refresh,
      snapshot_bytes_per_isolate_refresh_routed: routed.snapshot_bytes_per_isolate_refresh,
    },
    phases: { shared_copies: shared, own_reads: own, routed_regions: routed },
  };
  console.log(flags.json ? JSON.stringify(report, null, 2) : report.headline);
} finally {
  await stack.stop();
}
