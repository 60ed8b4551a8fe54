import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { inspectedWorkerd, listInspectorTargets, openInspectorSession } from '../edge/inspector-session.ts';
import { type CpuProfile, timedSamples, timeShare } from '../edge/profile-analysis.ts';

// `npx node bench/overload/profile-overload.ts [--duration-s 30] [--profile-ms 20000] [--out DIR]`:
// runs `bench:overload` with workerd's inspector open (a wrapper Miniflare runs as
// `MINIFLARE_WORKERD_PATH`, as bench/edge/profile-edge.ts does) and takes a V8 CPU profile of the
// edge's isolate during the overload. Prints where the isolate's time went as JSON and keeps the
// .cpuprofile (Chrome DevTools opens it) in `--out`. Under overload on a shared host the isolate
// is often runnable but off the CPU; a sample then stands for that wait too, so read the shares,
// not the totals.

const optionsSchema = z.object({
  durationS: z.coerce.number().int().min(10),
  profileMs: z.coerce.number().int().min(1000),
  samplingUs: z.coerce.number().int().min(50),
  out: z.string().optional(),
});
const options = optionsSchema.parse(
  new Command('profile-overload')
    .option('--duration-s <s>', 'seconds of overload (the bench’s --duration-s)', '30')
    .option('--profile-ms <ms>', 'profiled span, from 3 s into the overload', '20000')
    .option('--sampling-us <us>', 'CPU profile sampling interval', '250')
    .option('--out <folder>', 'where to keep the profile')
    .parse(process.argv)
    .opts(),
);
const log = (line: string) => process.stderr.write(`[profile-overload] ${line}\n`);
/** Into the overload before profiling: queues, turns and leases settle. */
const SETTLE_MS = 3_000;

const folder = await mkdtemp(join(tmpdir(), 'spillway-profile-overload-'));
const out = options.out ?? folder;
try {
  await mkdir(out, { recursive: true });
  const { wrapper, inspectorPort } = await inspectedWorkerd(folder);
  const bench = spawn(
    process.execPath,
    ['bench/overload/bench-overload.ts', '--json', '--duration-s', String(options.durationS)],
    { env: { ...process.env, MINIFLARE_WORKERD_PATH: wrapper }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => bench.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    bench.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      process.stderr.write(text);
      if (text.includes('overload:')) resolve();
    });
    void exited.then(() => reject(new Error('the overload bench ended before its overload began')));
  });
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const targets = await listInspectorTargets(`http://127.0.0.1:${inspectorPort}`);
  const chosen = targets.find((entry) => /core:user:/.test(entry.title));
  if (!chosen) throw new Error('workerd listed no user isolate to profile');
  const session = await openInspectorSession(chosen.webSocketDebuggerUrl);
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: options.samplingUs });
  await session.send('Profiler.start');
  log(`profiling ${chosen.title} for ${options.profileMs} ms`);
  await new Promise((resolve) => setTimeout(resolve, options.profileMs));
  const { profile } = await session.send<{ profile: CpuProfile }>('Profiler.stop');
  session.close();
  const profilePath = join(out, 'edge-overload.cpuprofile');
  await writeFile(profilePath, JSON.stringify(profile));
  log(`profile taken; the bench runs to its end (exit ${await exited})`);
  const samples = timedSamples(profile);
  const share = timeShare(samples, profile.startTime, profile.endTime);
  const ms = (name: string) =>
    Math.round(samples.reduce((sum, sample) => sum + (sample.label === name ? sample.ms : 0), 0));
  const report = {
    isolate: chosen.title,
    span_ms: share.span_ms,
    sampled_ms: share.sampled_ms,
    idle_ms: ms('(idle)'),
    gc_ms: ms('(garbage collector)'),
    by_function: share.by_function,
    profile: options.out ? profilePath : null,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  if (!options.out) await rm(folder, { recursive: true, force: true });
}
