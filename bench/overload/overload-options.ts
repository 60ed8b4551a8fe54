import { Command } from 'commander';
import { z } from 'zod';
import { parsePacedDeviceSpeed } from '../../gpu-node/testing/paced-device.ts';
import { parseBenchFlags } from '../bench-flags.ts';

const positive = z.coerce.number().positive();
const count = z.coerce.number().int().min(1);

/** Overload bench settings, validated once. */
export const overloadOptionsSchema = z.object({
  json: z.boolean().default(false),
  quick: z.boolean().default(false),
  durationS: positive,
  loadFactor: positive,
  freeTenants: count,
  paidTenants: count,
  burst: count,
  size: z.string().regex(/^\d+x\d+$/),
  steps: count,
  deadlineMs: count,
  hangMarginMs: count,
  unloadedRequests: count,
  unloadedGapMs: z.coerce.number().int().min(0),
  capacityConcurrency: z
    .string()
    .transform((list) => list.split(',').map(Number))
    .pipe(z.array(z.number().int().min(1)).min(1)),
  capacityWindowS: positive,
  slowdownLimits: z.string(),
  tierLimits: z.string(),
  heartbeatIntervalMs: count,
  telemetryTtlMs: count,
  seed: z.coerce.number().int(),
  raw: z.string().optional(),
  device: z.enum(['cpu', 'paced']),
  pacedStepMs: z.string().refine((text) => parsePacedDeviceSpeed(text) !== null, {
    message: 'FIXED+PER_MEGAPIXEL in ms, e.g. 1.5+30',
  }),
});

/** Validated overload bench settings. */
export type OverloadOptions = z.infer<typeof overloadOptionsSchema>;

/** What `--quick` changes: a short run for a smoke check, same stack and settings otherwise. */
const QUICK = { durationS: 12, unloadedRequests: 15, capacityWindowS: 6, capacityConcurrency: [6] } as const;

/**
 * The operator's tier limits for the run: wide enough that the offered load reaches the fleet
 * (admission by rate is not what this bench measures), so shedding decides who is served.
 */
export const BENCH_TIER_LIMITS = {
  free: { requests_per_minute: 6_000, images_per_minute: 6_000, concurrent_generations: 64 },
  paid: { requests_per_minute: 6_000, images_per_minute: 6_000, concurrent_generations: 128 },
} as const;

/**
 * `npm start`'s CPU pools as they measured themselves (the `step_curve` of their telemetry after a
 * few bursts of 24 at 256 px, 2026-12-05): 3-5 ms for one image, 8 at 0.2 MP, 20-27 at
 * 0.4-0.76 MP, 35-37 at a full batch of 16 (1.05 MP).
 */
const PACED_STEP_OF_CPU_POOLS = '1.5+32';

/**
 * Reads the flags of `npm run bench:overload`. Defaults: the 3x offered load for 60 s, a
 * 256 px, 8-step request (three CPU pools on two cores serve it in a few hundred ms; see
 * docs/reliability.md for how much of that is pool compute), and the slowdown limits an operator
 * promising paid latency would set.
 *
 * @example
 * npm run bench:overload -- --json --quick
 */
export function readOverloadOptions(argv: readonly string[]): OverloadOptions {
  const program = new Command('bench-overload')
    .description(
      'Offered load over the fleet capacity on the real local stack: who is served, who is told to retry.',
    )
    .option('--json', 'print one JSON document instead of a summary')
    .option('--quick', `a short run (${QUICK.durationS} s of overload) for a smoke check`)
    .option('--duration-s <s>', 'seconds of offered overload', '60')
    .option('--load-factor <x>', 'offered load over the measured capacity', '3')
    .option('--free-tenants <n>', 'free-tier tenants sharing half the load', '3')
    .option('--paid-tenants <n>', 'paid-tier tenants sharing the other half', '3')
    .option('--burst <n>', 'requests per arrival of one free and one paid tenant (same mean rate)', '4')
    .option('--size <WxH>', 'image size of every request', '256x256')
    .option('--steps <n>', 'denoising steps of every request', '8')
    .option('--deadline-ms <ms>', "every request's deadline_ms", '20000')
    .option(
      '--hang-margin-ms <ms>',
      'client bound past the deadline after which a call counts as hung',
      '10000',
    )
    // 200, so the p99 is a percentile and not the slowest of 60 (what the headline divides by).
    .option('--unloaded-requests <n>', 'paid requests timed one at a time on the idle fleet', '200')
    .option('--unloaded-gap-ms <ms>', 'pause between them, so each finds the fleet idle', '300')
    .option(
      '--capacity-concurrency <list>',
      'closed-loop callers, one level after another; the capacity is the best level',
      '3,6,12',
    )
    .option('--capacity-window-s <s>', 'seconds each level is measured over', '15')
    .option('--slowdown-limits <json>', 'the Worker var TIER_SLOWDOWN_LIMITS', '{"free":1.2,"paid":1.4}')
    .option('--tier-limits <json>', 'the Worker var TIER_LIMITS', JSON.stringify(BENCH_TIER_LIMITS))
    .option('--heartbeat-interval-ms <ms>', "the pools' heartbeat period (npm start's)", '1000')
    .option('--telemetry-ttl-ms <ms>', "the edge's TELEMETRY_TTL_MS", '5000')
    .option('--seed <n>', 'seed of the arrival schedule', '15')
    .option(
      '--raw <file>',
      'also write every call of the overload (tenant, times, status, code, Retry-After) as JSON',
    )
    .option(
      '--device <cpu|paced>',
      "the pools' device: ONNX Runtime on this host's CPUs, or a device of a fixed speed off them",
      'cpu',
    )
    .option(
      '--paced-step-ms <fixed+perMegapixel>',
      "with --device paced, a step's ms: fixed plus per megapixel in the batch (npm start's CPU pools' measured curve)",
      PACED_STEP_OF_CPU_POOLS,
    );
  const parsed = parseBenchFlags(program, overloadOptionsSchema, argv);
  return parsed.quick
    ? {
        ...parsed,
        durationS: Math.min(parsed.durationS, QUICK.durationS),
        unloadedRequests: Math.min(parsed.unloadedRequests, QUICK.unloadedRequests),
        capacityWindowS: Math.min(parsed.capacityWindowS, QUICK.capacityWindowS),
        capacityConcurrency: [...QUICK.capacityConcurrency],
      }
    : parsed;
}
