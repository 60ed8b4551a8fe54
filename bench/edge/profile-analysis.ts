import { round } from '../gpu-node/percentiles.ts';

/** A V8 CPU profile (`Profiler.stop`'s `profile`), times in µs of the monotonic clock. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly children?: readonly number[];
  }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where the isolate's time went over some span: ms by function (self time), largest first. */
export interface TimeShare {
  readonly span_ms: number;
  /** Sampled ms in the span; the rest of the span had no sample (the thread was off the CPU). */
  readonly sampled_ms: number;
  readonly by_function: readonly { readonly name: string; readonly ms: number }[];
}

/** How many functions each share lists. */
const TOP_FUNCTIONS = 15;

/** A sample's function, as `name url:line` (V8's special nodes keep their bare names). */
function labelOf(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const file = frame.url.split('/').slice(-2).join('/');
  return `${name} ${file}:${frame.lineNumber + 1}`;
}

/** Each sample's time (µs) and label, in order. */
export function timedSamples(
  profile: CpuProfile,
): { readonly at: number; readonly label: string; readonly ms: number }[] {
  const labels = new Map(profile.nodes.map((node) => [node.id, labelOf(node.callFrame)]));
  const samples: { at: number; label: string; ms: number }[] = [];
  let at = profile.startTime;
  for (let index = 0; index < profile.samples.length; index++) {
    at += profile.timeDeltas[index] ?? 0;
    const next = profile.timeDeltas[index + 1] ?? 0;
    // A sample stands for the time up to the next one.
    samples.push({ at, label: labels.get(profile.samples[index] ?? -1) ?? '?', ms: next / 1000 });
  }
  return samples;
}

/** Self time by function over [fromUs, toUs) of the profile's clock (µs). */
export function timeShare(
  samples: readonly { readonly at: number; readonly label: string; readonly ms: number }[],
  fromUs: number,
  toUs: number,
): TimeShare {
  const byLabel = new Map<string, number>();
  let sampled = 0;
  for (const sample of samples) {
    if (sample.at < fromUs || sample.at >= toUs) continue;
    byLabel.set(sample.label, (byLabel.get(sample.label) ?? 0) + sample.ms);
    sampled += sample.ms;
  }
  const byFunction = [...byLabel.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_FUNCTIONS)
    .map(([name, ms]) => ({ name, ms: round(ms, 2) ?? 0 }));
  return {
    span_ms: round((toUs - fromUs) / 1000, 1) ?? 0,
    sampled_ms: round(sampled, 1) ?? 0,
    by_function: byFunction,
  };
}

/** What the isolate's thread did during one stall, in ms (they add up to about the stall). */
export interface StallCause {
  /** Sample gaps of at least `gapMs`: the thread was off the CPU (preempted by the OS). */
  readonly off_cpu_ms: number;
  readonly gc_ms: number;
  /** The isolate waited on I/O: the stall was outside it (upstream, load generator, sockets). */
  readonly idle_ms: number;
  /** JavaScript and the runtime's own work. */
  readonly busy_ms: number;
}

/** The V8 profiler's special nodes: `(idle)`, `(garbage collector)`. */
const IDLE = '(idle)';
const GC = '(garbage collector)';

/**
 * Splits the samples inside [fromUs, toUs) by cause. A sample that stands for more than `gapMs`
 * (the sampler runs every fraction of a millisecond) means the thread was not running for most of
 * it; that time counts as off-CPU whatever function the sample landed in.
 */
export function stallCause(
  samples: readonly { readonly at: number; readonly label: string; readonly ms: number }[],
  fromUs: number,
  toUs: number,
  gapMs: number,
): StallCause {
  let offCpu = 0;
  let gc = 0;
  let idle = 0;
  let busy = 0;
  for (const sample of samples) {
    if (sample.at < fromUs || sample.at >= toUs) continue;
    if (sample.ms >= gapMs) offCpu += sample.ms;
    else if (sample.label === GC) gc += sample.ms;
    else if (sample.label === IDLE) idle += sample.ms;
    else busy += sample.ms;
  }
  const ms = (value: number) => round(value, 1) ?? 0;
  return { off_cpu_ms: ms(offCpu), gc_ms: ms(gc), idle_ms: ms(idle), busy_ms: ms(busy) };
}

/**
 * The longest gaps between consecutive samples (µs clock): spans in which the sampler saw
 * nothing, because the isolate's thread was not running (descheduled) or was inside work V8
 * cannot sample.
 */
export function samplingGaps(
  profile: CpuProfile,
  minMs: number,
): { readonly at_ms: number; readonly ms: number }[] {
  const gaps: { at_ms: number; ms: number }[] = [];
  let at = profile.startTime;
  for (const delta of profile.timeDeltas) {
    if (delta / 1000 >= minMs) {
      gaps.push({ at_ms: round((at - profile.startTime) / 1000, 1) ?? 0, ms: round(delta / 1000, 1) ?? 0 });
    }
    at += delta;
  }
  return gaps;
}
