import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { curveSpecSchema } from './curve-spec.ts';
import { mixedFleet } from './default-fleet.ts';
import { poolSpecSchema } from './pool-spec.ts';
import { requestsSchema } from './request-mix.ts';

const windowFields = {
  startS: z.number().nonnegative().describe('Seconds after the run starts.'),
  durationS: z.number().positive(),
};

const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('slow'), pool: z.string(), factor: z.number().gt(1), ...windowFields }),
  z.strictObject({ kind: z.literal('fail-stop'), pool: z.string(), ...windowFields }),
  z.strictObject({ kind: z.literal('stall'), pool: z.string(), ...windowFields }),
  z.strictObject({ kind: z.literal('telemetry-delay'), delayMs: z.number().positive(), ...windowFields }),
]);

/** Every policy the simulator runs, oracle first. */
export const policyNames = [
  'oracle',
  'edge',
  'prior-edge',
  'two-choices',
  'least-loaded-stale',
  'least-busy-local',
  'weighted-round-robin',
  'round-robin',
  'random',
  'fastest',
  'cheapest',
] as const;

/** What a scenario without `policies` runs: every policy but the two cost baselines. */
export const defaultPolicyNames = policyNames.filter(
  (name) => name !== 'fastest' && name !== 'cheapest',
) as readonly PolicyName[];

/** Fewest jobs per seed a scenario file may ask for (`--jobs` may go lower, for a quick look). */
export const MIN_JOBS_PER_SEED = 1_000;

/** One simulated point: fleet, traffic, isolates, telemetry and faults. */
const scenarioFields = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  seeds: z
    .array(z.number().int().nonnegative())
    .min(1)
    .superRefine((seeds, context) => {
      // A seed twice is the same run twice: its jobs would count double in every pooled figure.
      seeds.forEach((seed, index) => {
        if (seeds.indexOf(seed) !== index)
          context.addIssue({ code: 'custom', path: [index], message: `duplicate seed ${seed}` });
      });
    })
    .default([1, 2, 3, 4, 5]),
  jobsPerSeed: z.number().int().min(MIN_JOBS_PER_SEED).default(12_000),
  warmupJobs: z.number().int().nonnegative().default(1_500),
  rho: z
    .number()
    .gt(0)
    .max(1.2)
    .describe('Offered load as a share of fleet capacity; 1 and above overload the fleet (a warning).'),
  dispatchers: z.number().int().positive().max(4_096).describe('Independent edge isolates (D).'),
  refreshMs: z.number().nonnegative().describe('Snapshot refresh period T (0 = read the registry live).'),
  refreshJitter: z.number().min(0).max(1).default(0.1),
  arrivals: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('poisson') }),
      z.strictObject({ kind: z.literal('gamma'), shape: z.number().positive().default(0.25) }),
    ])
    .default({ kind: 'poisson' }),
  reportIntervalMs: z.number().positive().default(250),
  telemetryDelayMs: z.number().nonnegative().default(50),
  telemetryTtlMs: z.number().positive().default(5_000),
  sloMs: z.number().positive().default(4_000),
  requests: requestsSchema,
  curve: curveSpecSchema
    .optional()
    .describe('True step curve of every pool without its own; default near-linear (overhead 0.1).'),
  poolCurves: z
    .record(z.string(), curveSpecSchema)
    .optional()
    .describe('True step curves by pool id (for the built-in fleet); a pool’s own `curve` wins.'),
  batchSlowdown: z
    .number()
    .nonnegative()
    .optional()
    .describe(
      'Full batch of reference images vs one, extra time: a `batch-slowdown` curve for pools without one.',
    ),
  pools: z
    .array(poolSpecSchema)
    .min(2)
    .superRefine((pools, context) => {
      // Pools are told apart by id everywhere (snapshots, faults, curves, prices): two with one id
      // would be one pool to the edge and two to the oracle.
      const seen = new Set<string>();
      pools.forEach((pool, index) => {
        if (seen.has(pool.id))
          context.addIssue({
            code: 'custom',
            path: [index, 'id'],
            message: `duplicate pool id "${pool.id}"`,
          });
        seen.add(pool.id);
      });
    })
    .optional()
    .describe('Defaults to the built-in mixed-16 fleet.'),
  faults: z.array(faultSchema).default([]),
  policies: z
    .array(z.enum(policyNames))
    .min(1)
    .optional()
    .describe('Default: every policy but `fastest` and `cheapest`.'),
  prices: z
    .record(z.string(), z.number().nonnegative().nullable())
    .optional()
    .describe('USD per image by pool id (wins over a pool’s own `pricePerImage`); null: owned, free.'),
  objectiveMs: z
    .number()
    .positive()
    .optional()
    .describe('Latency objective of every request, ms: the edge spills by cost to meet it.'),
  spillMargin: z
    .number()
    .nonnegative()
    .optional()
    .describe('The edge’s headroom on a prediction before it meets the objective (default SPILL_MARGIN).'),
});

/**
 * A scenario, with the checks across fields that keep it measuring something: jobs left after the
 * warm-up, and a healthy pool's figure still fresh when its next report lands (else every policy
 * skips every pool as stale and no job is ever routed).
 */
export const scenarioSchema = scenarioFields.superRefine((scenario, context) => {
  if (scenario.warmupJobs >= scenario.jobsPerSeed)
    context.addIssue({
      code: 'custom',
      path: ['warmupJobs'],
      message: `warmupJobs (${scenario.warmupJobs}) must be below jobsPerSeed (${scenario.jobsPerSeed}): every job would be dropped as warm-up and nothing measured`,
    });
  const newestAgeMs = scenario.telemetryDelayMs + scenario.reportIntervalMs;
  if (scenario.telemetryTtlMs < newestAgeMs)
    context.addIssue({
      code: 'custom',
      path: ['telemetryTtlMs'],
      message: `telemetryTtlMs (${scenario.telemetryTtlMs}) must be at least telemetryDelayMs + reportIntervalMs (${scenario.telemetryDelayMs} + ${scenario.reportIntervalMs} = ${newestAgeMs}): a healthy pool's report would expire before the next one lands, and every pool would look stale`,
    });
});

/** A validated scenario, defaults applied. */
export type Scenario = z.infer<typeof scenarioSchema>;
/** One fault window. */
export type Fault = z.infer<typeof faultSchema>;
/** A policy the simulator can run. */
export type PolicyName = (typeof policyNames)[number];

/** Thrown with every problem in a scenario file, one per line, with its JSON path. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** Validates parsed JSON as a scenario; `source` names it in errors. */
export function parseScenario(value: unknown, source: string): Scenario {
  const result = scenarioSchema.safeParse(value);
  if (!result.success) {
    const lines = result.error.issues.map(
      (issue) => `  ${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`,
    );
    throw new ScenarioError(`invalid scenario ${source}:\n${lines.join('\n')}`);
  }
  const scenario = result.data;
  const ids = new Set((scenario.pools ?? mixedFleet).map((pool) => pool.id));
  for (const [field, map] of [
    ['poolCurves', scenario.poolCurves],
    ['prices', scenario.prices],
  ] as const) {
    for (const id of Object.keys(map ?? {})) {
      if (!ids.has(id))
        throw new ScenarioError(`invalid scenario ${source}:\n  ${field}.${id}: unknown pool "${id}"`);
    }
  }
  scenario.faults.forEach((fault, index) => {
    if (fault.kind !== 'telemetry-delay' && !ids.has(fault.pool)) {
      throw new ScenarioError(
        `invalid scenario ${source}:\n  faults.${index}.pool: unknown pool "${fault.pool}"`,
      );
    }
  });
  return scenario;
}

/**
 * What a valid scenario may not mean as its author thought, one line each (the runner prints them
 * on stderr and runs it anyway): an overloaded fleet (rho >= 1), whose queues and p99 grow with the
 * run's length.
 */
export function scenarioWarnings(scenario: Scenario): string[] {
  const warnings: string[] = [];
  if (scenario.rho >= 1)
    warnings.push(
      `rho ${scenario.rho} >= 1: the fleet is overloaded, queues grow without bound and every p99 grows with the run's length (jobsPerSeed)`,
    );
  return warnings;
}

/** Reads and validates a scenario JSON file. */
export async function loadScenario(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ScenarioError(`cannot read scenario ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(`invalid scenario ${path}: not JSON (${(error as Error).message})`);
  }
  return parseScenario(value, path);
}
