import { Command } from 'commander';
import { z } from 'zod';
import { readLocalJson } from '../../cli/config.ts';
import { imageSizeSchema } from '../../shared/schemas/generation-request.ts';
import { parseBenchFlags, positiveIntegerFlag } from '../bench-flags.ts';
import { startFreshLocalStack } from './fresh-local-stack.ts';

/**
 * `npm run bench:bursts`: issue 13's check against a running `npm start`, as a user would make it.
 * Sends bursts of concurrent `POST /v1/images/generations` (256x256 at the model's default steps,
 * or `--image-size` / `--steps`), each as soon as the last one answered, and prints as JSON how every burst split over the pools
 * (`x-spillway-pool`) and how many split worse than the bound (15/9 for 24 over two pools).
 * With `--starts N` it starts the stack itself, N times from nothing (new pools that have measured
 * nothing, empty edge storage), and sends its bursts right after each start: the first bursts a
 * new user sends are the ones the pools' curves are thinnest for.
 *
 * @example
 * npm start &   # then, once it printed its URL:
 * npm run -s bench:bursts -- --bursts 12
 * npm run -s bench:bursts -- --starts 3 --bursts 8   # without npm start running
 * npm run -s bench:bursts -- --starts 2 --bursts 8 --image-size 64x64 --steps 4   # small requests, tied
 */
const flags = parseBenchFlags(
  new Command('bench-bursts')
    .description('Bursts of concurrent generations against npm start: how each split over the pools.')
    .option('--bursts <n>', 'bursts to send, each as soon as the last one answered', '6')
    .option('--size <n>', 'concurrent requests per burst', '24')
    .option(
      '--max-share <n>',
      'the bound: a burst in which one pool took more requests than this split worse than it',
      '15',
    )
    .option(
      '--starts <n>',
      'start the stack itself this many times from nothing (default: use the running npm start)',
    )
    .option('--image-size <WxH>', 'size of every image asked for', '256x256')
    .option('--steps <n>', "sampler steps of every request (default: the model's)"),
  z.object({
    bursts: positiveIntegerFlag,
    size: positiveIntegerFlag,
    maxShare: positiveIntegerFlag,
    starts: positiveIntegerFlag.optional(),
    imageSize: imageSizeSchema,
    steps: positiveIntegerFlag.optional(),
  }),
  process.argv.slice(2),
);
const { bursts, size, maxShare } = flags;
const requestBody = JSON.stringify({
  prompt: 'a red fox',
  size: flags.imageSize,
  ...(flags.steps === undefined ? {} : { steps: flags.steps }),
});
const starts = flags.starts ?? null;

interface Edge {
  readonly edgeUrl: string;
  readonly apiKey: string;
}

async function generate({ edgeUrl, apiKey }: Edge): Promise<string> {
  const response = await fetch(`${edgeUrl}/v1/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: requestBody,
  });
  await response.arrayBuffer();
  return response.ok ? (response.headers.get('x-spillway-pool') ?? 'unknown') : `status ${response.status}`;
}

/** Each burst's split over the pools, one after another as soon as the last one answered. */
async function sendBursts(edge: Edge): Promise<Array<Record<string, number>>> {
  const splits: Array<Record<string, number>> = [];
  for (let burst = 0; burst < bursts; burst++) {
    const split: Record<string, number> = {};
    for (const pool of await Promise.all(Array.from({ length: size }, () => generate(edge)))) {
      split[pool] = (split[pool] ?? 0) + 1;
    }
    splits.push(split);
  }
  return splits;
}

/** The running `npm start`'s edge, from the local.json it wrote. */
async function runningEdge(): Promise<Edge> {
  const local = await readLocalJson(process.cwd());
  if (!local?.api_key) {
    console.error('no .spillway/local.json with an api_key here: run `npm start` first, or pass --starts');
    process.exit(2);
  }
  return { edgeUrl: local.edge_url, apiKey: local.api_key };
}

const splitsPerStart: Array<Array<Record<string, number>>> = [];
if (starts === null) {
  splitsPerStart.push(await sendBursts(await runningEdge()));
} else {
  for (let start = 0; start < starts; start++) {
    const stack = await startFreshLocalStack();
    try {
      splitsPerStart.push(await sendBursts(stack));
    } finally {
      await stack.stop();
    }
  }
}
const splits = splitsPerStart.flat();
const largest = splits.map((split) => Math.max(...Object.values(split)));
console.log(
  JSON.stringify(
    {
      stack: starts === null ? 'the running npm start' : `${starts} fresh starts`,
      burst_size: size,
      request: { size: flags.imageSize, steps: flags.steps ?? 'the model default' },
      // Bursts in the order sent; with --starts, also one list per start.
      splits,
      ...(starts === null ? {} : { splits_per_start: splitsPerStart }),
      headline: {
        starts,
        bursts: splits.length,
        worse_than_bound: largest.filter((count) => count > maxShare).length,
        bound: `${maxShare}/${size - maxShare}`,
        largest_share: Math.max(...largest),
      },
    },
    null,
    2,
  ),
);
