import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { adminClient } from '../../scripts/local-stack/admin-client.ts';
import { parseBenchFlags, positiveIntegerFlag } from '../bench-flags.ts';
import { inspectedWorkerd, listInspectorTargets, openInspectorSession } from '../edge/inspector-session.ts';
import { type CpuProfile, timedSamples, timeShare } from '../edge/profile-analysis.ts';
import { driveHeartbeats, driveIsolates } from './load-drivers.ts';
import { startRegistryStack } from './registry-stack.ts';
import { registerSimulatedPools, simulatedPools } from './simulated-pools.ts';

// Where workerd's time goes while it takes heartbeats (docs/scaling.md): registers `--pools`
// simulated gpu-node pools, lets each send its first heartbeats (the pools join the edge
// isolate's view), then drives one signed heartbeat per pool a second for `--seconds` with a CPU
// profile of the isolate running the edge and its registry shards. Prints the heartbeats accepted
// a second and the isolate's self time by function as JSON; keeps the `.cpuprofile` with `--out`.
// With `--isolates N`, N simulated isolates refresh their fleet copies once a second meanwhile
// (sharing copies through the Cache API, as bench:registry's first phase), in the same isolate.
//
//   npx node bench/registry/profile-heartbeats.ts [--pools 500] [--isolates 0] [--seconds 10] [--out DIR]

const flags = parseBenchFlags(
  new Command('profile-heartbeats')
    .description("A CPU profile of the edge's isolate while it takes signed heartbeats.")
    .option('--pools <n>', 'simulated pools, each heartbeating once a second', '500')
    .option('--isolates <n>', 'simulated isolates refreshing their fleet copies meanwhile', '0')
    .option('--seconds <s>', 'seconds profiled', '10')
    .option('--out <dir>', 'folder to keep heartbeats.cpuprofile in'),
  z.object({
    pools: positiveIntegerFlag,
    isolates: z.coerce.number().int().nonnegative(),
    seconds: z.coerce.number().positive(),
    out: z.string().optional(),
  }),
  process.argv.slice(2),
);

/** Heartbeats sent before profiling, so every pool has joined the edge's view, ms. */
const WARM_UP_MS = 3_000;
/** Registrations sent at once. */
const REGISTRATION_CONCURRENCY = 8;
/** The profiler's sampling interval, µs. */
const SAMPLING_US = 200;
const REGIONS = ['r0', 'r1', 'r2', 'r3'];

const folder = await mkdtemp(join(tmpdir(), 'spillway-profile-heartbeats-'));
const { wrapper, inspectorPort } = await inspectedWorkerd(folder);
// Miniflare starts workerd through the wrapper, which opens the inspector.
process.env.MINIFLARE_WORKERD_PATH = wrapper;
const stack = await startRegistryStack();
try {
  const admin = adminClient(stack.edgeUrl, stack.operatorToken);
  const pools = simulatedPools(flags.pools, REGIONS);
  await registerSimulatedPools(admin, pools, stack.poolUrl, REGISTRATION_CONCURRENCY);
  await driveHeartbeats(stack.edgeUrl, pools, 0.05, Date.now() + WARM_UP_MS);
  const targets = await listInspectorTargets(`http://127.0.0.1:${inspectorPort}`);
  const edge = targets.find((entry) => /core:user:/.test(entry.title));
  if (!edge) throw new Error("workerd's inspector lists no user Worker");
  const session = await openInspectorSession(edge.webSocketDebuggerUrl);
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: SAMPLING_US });
  await session.send('Profiler.start');
  const until = Date.now() + flags.seconds * 1_000;
  const [heartbeats, isolates] = await Promise.all([
    driveHeartbeats(stack.edgeUrl, pools, 0.05, until),
    driveIsolates(stack.edgeUrl, flags.isolates, true, until),
  ]);
  const { profile } = await session.send<{ profile: CpuProfile }>('Profiler.stop');
  session.close();
  if (flags.out) {
    await mkdir(flags.out, { recursive: true });
    await writeFile(join(flags.out, 'heartbeats.cpuprofile'), JSON.stringify(profile));
  }
  const samples = timedSamples(profile);
  console.log(
    JSON.stringify(
      {
        pools: flags.pools,
        seconds: flags.seconds,
        heartbeats_accepted_per_s: Math.round((heartbeats.accepted / flags.seconds) * 10) / 10,
        heartbeats_refused: heartbeats.refused,
        isolate_refreshes_per_s: Math.round((isolates.refreshLatenciesMs.length / flags.seconds) * 10) / 10,
        edge_isolate: timeShare(samples, profile.startTime, profile.endTime),
      },
      null,
      2,
    ),
  );
} finally {
  await stack.stop();
  await rm(folder, { recursive: true, force: true });
}
