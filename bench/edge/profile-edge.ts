import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { benchEdgeVars, createBenchCredentials } from './bench-credentials.ts';
import { Cleanup } from './cleanup.ts';
import { summarizeGcTrace } from './gc-trace.ts';
import { bytesByFunction, type SamplingHeapProfile } from './heap-analysis.ts';
import { inspectedWorkerd, listInspectorTargets, openInspectorSession } from './inspector-session.ts';
import { startInstantPool } from './instant-pool.ts';
import type { LoadTarget } from './load.ts';
import {
  type CpuProfile,
  type StallCause,
  samplingGaps,
  stallCause,
  timedSamples,
  timeShare,
} from './profile-analysis.ts';
import { registerInstantPool } from './spillway-setup.ts';
import { findStalls, STALL_GAP_MS, stallIntervals } from './stall-trace.ts';
import { startEdgeHost } from './start-edge-host.ts';
import { generateTarget, spillwayTarget } from './targets.ts';

// `npx node bench/edge/profile-edge.ts [--duration-ms 8000] [--clients 32] [--no-trace-gc] [--out DIR]`:
// Spillway's edge as `npm start` runs it, under closed-loop load, with a V8 CPU profile of its
// isolate taken through workerd's inspector (`--inspector-addr`, added by a wrapper Miniflare
// runs as `MINIFLARE_WORKERD_PATH`) and V8's GC trace (`MINIFLARE_WORKERD_V8_FLAGS`). Prints
// where the isolate's time went overall and inside each stall (stall-trace.ts) as JSON, and
// keeps the .cpuprofile (open it in Chrome DevTools) and the GC log in `--out`.

const optionsSchema = z.object({
  durationMs: z.coerce.number().int().min(1000),
  clients: z.coerce.number().int().min(1).max(1024),
  traceGc: z.boolean(),
  samplingUs: z.coerce.number().int().min(50),
  out: z.string().optional(),
  worker: z.enum(['edge', 'passthrough']),
  heap: z.boolean().default(false),
});
const program = new Command('profile-edge')
  .option('--duration-ms <ms>', 'profiled load', '8000')
  .option('--clients <n>', 'closed-loop clients', '32')
  .option('--no-trace-gc', "leave V8's --trace-gc off")
  .option('--sampling-us <us>', 'CPU profile sampling interval', '250')
  .option('--out <folder>', 'where to keep the profile and the GC log')
  .option('--heap', 'also sample allocations that a major GC collected (promoted garbage)')
  .option('--worker <name>', 'edge (Spillway) or passthrough (the bare Worker, for comparison)', 'edge')
  .parse(process.argv);
const options = optionsSchema.parse(program.opts());
const log = (line: string) => process.stderr.write(`[profile-edge] ${line}\n`);
/** Warm-up load before profiling: JIT, caches and the first snapshot refresh settle. */
const WARMUP_MS = 3_000;
/** Sampling gaps and GC pauses at least this long are listed one by one. */
const LIST_FROM_MS = 20;
/** A sample standing for this long or more means the thread was off the CPU (see stallCause). */
const OFF_CPU_GAP_MS = 5;
/** Mean bytes between two allocation samples of the heap profiler. */
const HEAP_SAMPLING_BYTES = 4096;

const cleanup = new Cleanup();
const folder = await mkdtemp(join(tmpdir(), 'spillway-profile-edge-'));
const out = options.out ?? folder;
await mkdir(out, { recursive: true });
try {
  const pool = await startInstantPool();
  cleanup.add(pool.stop);
  const credentials = await createBenchCredentials(folder);
  const { wrapper, inspectorPort } = await inspectedWorkerd(folder);
  const gcLogPath = join(out, 'workerd-stdout.log');
  const gcLog = await open(gcLogPath, 'w');
  const spillway = options.worker === 'edge';
  const edge = await startEdgeHost(
    {
      kind: 'edge-runtime',
      worker: options.worker,
      knockouts: [],
      buildFolder: join(folder, options.worker),
      secrets: spillway ? { EDGE_SIGNING_KEY: credentials.edgeSecretJwk } : {},
      vars: spillway ? benchEdgeVars : { UPSTREAM_URL: pool.url },
    },
    {
      env: {
        MINIFLARE_WORKERD_PATH: wrapper,
        ...(options.traceGc ? { MINIFLARE_WORKERD_V8_FLAGS: '--trace-gc' } : {}),
      },
      stdoutFd: gcLog.fd,
    },
  );
  cleanup.add(async () => {
    if (spillway) await pool.stopHeartbeats(edge.url);
    await edge.stop();
    await gcLog.close();
  });
  const target = spillway
    ? spillwayTarget('spillway', edge.url, await registerInstantPool(edge.url, credentials, pool))
    : generateTarget('bare', edge.url);
  const agent = new Agent({ connections: options.clients, pipelining: 1, keepAliveTimeout: 60_000 });
  log(`warming up for ${WARMUP_MS} ms`);
  await drive(agent, target, options.clients, WARMUP_MS);
  const targets = await listInspectorTargets(`http://127.0.0.1:${inspectorPort}`);
  log(`inspector targets: ${targets.map((entry) => entry.title).join(', ')}`);
  const chosen = targets.find((entry) => /core:user:/.test(entry.title)) ?? targets[0];
  if (!chosen) throw new Error('workerd listed no isolate to profile');
  const session = await openInspectorSession(chosen.webSocketDebuggerUrl);
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: options.samplingUs });
  await session.send('Profiler.start');
  if (options.heap) {
    await session.send('HeapProfiler.enable');
    await session.send('HeapProfiler.startSampling', {
      samplingInterval: HEAP_SAMPLING_BYTES,
      includeObjectsCollectedByMajorGC: true,
    });
  }
  log(`profiling ${chosen.title} for ${options.durationMs} ms at ${options.clients} clients`);
  const window = await drive(agent, target, options.clients, options.durationMs);
  const { profile } = await session.send<{ profile: CpuProfile }>('Profiler.stop');
  const heap = options.heap
    ? (await session.send<{ profile: SamplingHeapProfile }>('HeapProfiler.stopSampling')).profile
    : null;
  session.close();
  await agent.close();
  await writeFile(join(out, 'edge.cpuprofile'), JSON.stringify(profile));
  const samples = timedSamples(profile);
  const stalls = stallIntervals(window).map(([from, to]) => ({
    at_ms: Math.round(from - window.startedAt),
    cause: stallCause(samples, from * 1000, to * 1000, OFF_CPU_GAP_MS),
    ...timeShare(samples, from * 1000, to * 1000),
  }));
  const causes = stalls.reduce<StallCause>(
    (sum, { cause }) => ({
      off_cpu_ms: sum.off_cpu_ms + cause.off_cpu_ms,
      gc_ms: sum.gc_ms + cause.gc_ms,
      idle_ms: sum.idle_ms + cause.idle_ms,
      busy_ms: sum.busy_ms + cause.busy_ms,
    }),
    { off_cpu_ms: 0, gc_ms: 0, idle_ms: 0, busy_ms: 0 },
  );
  const report = {
    isolate: chosen.title,
    load: { ...findStalls([window]), requests: window.completions.length },
    stall_causes_ms: Object.fromEntries(
      Object.entries(causes).map(([key, value]) => [key, Math.round(value)]),
    ),
    whole: timeShare(samples, profile.startTime, profile.endTime),
    inside_stalls: timeShare(
      samples.filter((sample) =>
        stalls.some(({ at_ms, span_ms }) => inStall(sample.at, window.startedAt, at_ms, span_ms)),
      ),
      profile.startTime,
      profile.endTime,
    ),
    stalls: stalls.map((stall) => ({ ...stall, by_function: stall.by_function.slice(0, 5) })),
    sampling_gaps: samplingGaps(profile, LIST_FROM_MS),
    promoted_garbage: heap ? bytesByFunction(heap, window.completions.length) : null,
    gc: options.traceGc ? summarizeGcTrace(await readFile(gcLogPath, 'utf8'), LIST_FROM_MS) : null,
    files: { profile: join(out, 'edge.cpuprofile'), workerd_stdout: gcLogPath },
    notes: [
      `stall: no completion for >= ${STALL_GAP_MS} ms with ${options.clients} clients waiting; times on the monotonic clock V8's profiler uses.`,
    ],
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanup.run((error) => log(`cleanup: ${String(error)}`));
  if (!options.out) await rm(folder, { recursive: true, force: true });
}

function inStall(atUs: number, startedAt: number, atMs: number, spanMs: number): boolean {
  const from = (startedAt + atMs) * 1000;
  return atUs >= from && atUs < from + spanMs * 1000;
}

/** Monotonic ms, the clock V8's CPU profiler stamps samples with (µs). */
function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

/** Closed-loop load; returns the completion times on the monotonic clock. */
async function drive(
  agent: Agent,
  target: LoadTarget,
  clients: number,
  durationMs: number,
): Promise<{ startedAt: number; endedAt: number; completions: number[] }> {
  const startedAt = monotonicMs();
  const deadline = startedAt + durationMs;
  const completions: number[] = [];
  const client = async () => {
    while (monotonicMs() < deadline) {
      const response = await request(target.url, {
        method: 'POST',
        dispatcher: agent,
        headers: target.headers,
        body: target.body,
      });
      await response.body.arrayBuffer();
      completions.push(monotonicMs());
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return {
    startedAt,
    endedAt: Math.min(deadline, monotonicMs()),
    completions: completions.sort((a, b) => a - b),
  };
}
