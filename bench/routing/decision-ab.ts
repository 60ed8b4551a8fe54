import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { z } from 'zod';
import type * as routing from '../../worker/routing/index.ts';
import { indexFleet, pickPools } from '../../worker/routing/index.ts';
import { parseBenchFlags, positiveIntegerFlag } from '../bench-flags.ts';
import { quantile, round } from '../gpu-node/percentiles.ts';
import { decisionFixture } from './decision-bench.ts';

// The decision cost of this checkout against another one's (`--base`, e.g. a git worktree of the
// commit before a change), in one process: batches of `pickPools` over the decision benchmark's
// fixture alternate between the two, so both meet the same minutes of a shared host, whose speed
// swings about 1.8x for seconds at a time (`decision-bench.ts`). Prints JSON: each side's fastest
// and median batch, µs per decision, and the ratio of this checkout's batch to the base's batch
// beside it (median and quartiles over the pairs).
//
//   git worktree add /tmp/base HEAD~1
//   npx node bench/routing/decision-ab.ts --base /tmp/base [--pairs 60] [--batch 5000]

const flags = parseBenchFlags(
  new Command('decision-ab')
    .description("This checkout's routing decision cost against another checkout's, batches alternating.")
    .option('--base <dir>', 'the other checkout, required (its worker/routing is imported)')
    .option('--pairs <n>', 'batches timed on each side', '60')
    .option('--batch <n>', 'decisions per batch', '5000'),
  z.object({
    base: z
      .string({ error: 'the other checkout is required' })
      .refine((dir) => existsSync(resolve(dir, 'worker/routing/index.ts')), {
        message: 'no worker/routing/index.ts under that folder',
      }),
    pairs: positiveIntegerFlag,
    batch: positiveIntegerFlag,
  }),
  process.argv.slice(2),
);

type Routing = Pick<typeof routing, 'indexFleet' | 'pickPools'>;

const base = (await import(pathToFileURL(resolve(flags.base, 'worker/routing/index.ts')).href)) as Routing;
const sides = { this: { indexFleet, pickPools }, base } satisfies Record<string, Routing>;

/** One side's timer: µs per decision over `count` decisions, on a fixture of its own. */
function timerOf({ indexFleet: index, pickPools: pick }: Routing): (count: number) => number {
  const { pools, observations, request, policy, now, random } = decisionFixture();
  const fleet = index(pools, request.model, policy);
  // Read back below, so the decisions cannot be optimized away.
  let sink = 0;
  return (count) => {
    const started = process.hrtime.bigint();
    for (let decision = 0; decision < count; decision++) {
      sink += pick(fleet, { request, observations, policy, now, random }).length;
    }
    return Number(process.hrtime.bigint() - started) / 1_000 / count + (sink < 0 ? Number.NaN : 0);
  };
}

const timers = { this: timerOf(sides.this), base: timerOf(sides.base) };
for (const timer of Object.values(timers)) timer(flags.batch * 4);
const batches = { this: [] as number[], base: [] as number[] };
for (let pair = 0; pair < flags.pairs; pair++) {
  batches.this.push(timers.this(flags.batch));
  batches.base.push(timers.base(flags.batch));
}
const ratios = batches.this.map((value, pair) => value / (batches.base[pair] ?? value));

const side = (values: readonly number[]) => ({
  fastest_us: round(quantile(values, 0)),
  median_us: round(quantile(values, 0.5)),
});
console.log(
  JSON.stringify(
    {
      pairs: flags.pairs,
      decisions_per_batch: flags.batch,
      this: side(batches.this),
      base: side(batches.base),
      ratio_this_over_base: {
        p25: round(quantile(ratios, 0.25), 3),
        median: round(quantile(ratios, 0.5), 3),
        p75: round(quantile(ratios, 0.75), 3),
      },
    },
    null,
    2,
  ),
);
