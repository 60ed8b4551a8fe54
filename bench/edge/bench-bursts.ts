import { parseArgs } from 'node:util';
import { readLocalJson } from '../../cli/config.ts';

/**
 * `npm run bench:bursts`: issue 13's check against a running `npm start`, as a user would make it.
 * Sends bursts of concurrent `POST /v1/images/generations` (256x256, the model's default steps),
 * each as soon as the last one answered, and prints as JSON how every burst split over the pools
 * (`x-spillway-pool`) and how many split worse than the bound (15/9 for 24 over two pools).
 *
 * @example
 * npm start &   # then, once it printed its URL:
 * npm run -s bench:bursts -- --bursts 12
 */
const { values: flags } = parseArgs({
  options: {
    bursts: { type: 'string', default: '6' },
    size: { type: 'string', default: '24' },
    'max-share': { type: 'string', default: '15' },
  },
});
const bursts = Number(flags.bursts);
const size = Number(flags.size);
const maxShare = Number(flags['max-share']);
if (![bursts, size, maxShare].every((value) => Number.isInteger(value) && value > 0)) {
  console.error('--bursts, --size and --max-share take positive integers');
  process.exit(2);
}
const local = await readLocalJson(process.cwd());
if (!local?.api_key) {
  console.error('no .spillway/local.json with an api_key here: run `npm start` first');
  process.exit(2);
}
const { edge_url: edgeUrl, api_key: apiKey } = local;

async function generate(): Promise<string> {
  const response = await fetch(`${edgeUrl}/v1/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a red fox', size: '256x256' }),
  });
  await response.arrayBuffer();
  return response.ok ? (response.headers.get('x-spillway-pool') ?? 'unknown') : `status ${response.status}`;
}

const splits: Array<Record<string, number>> = [];
for (let burst = 0; burst < bursts; burst++) {
  const split: Record<string, number> = {};
  for (const pool of await Promise.all(Array.from({ length: size }, generate))) {
    split[pool] = (split[pool] ?? 0) + 1;
  }
  splits.push(split);
}
const largest = splits.map((split) => Math.max(...Object.values(split)));
console.log(
  JSON.stringify(
    {
      edge_url: edgeUrl,
      burst_size: size,
      splits,
      headline: {
        bursts,
        worse_than_bound: largest.filter((count) => count > maxShare).length,
        bound: `${maxShare}/${size - maxShare}`,
        largest_share: Math.max(...largest),
      },
    },
    null,
    2,
  ),
);
