import { Command } from 'commander';
import { z } from 'zod';
import { parseBenchFlags } from '../bench-flags.ts';

const count = z.coerce.number().int().min(1);

/** Edge benchmark settings, validated once. */
export const edgeBenchOptionsSchema = z.object({
  json: z.boolean().default(false),
  latencyRequests: count,
  warmupRequests: z.coerce.number().int().min(0),
  clients: count.max(1024),
  durationMs: count,
  wrangler: z.boolean(),
  portkey: z.boolean(),
  breakdown: z.boolean(),
  breakdownLatencyRequests: count,
  breakdownDurationMs: count,
  handler: z.boolean().default(false),
  handlerRequests: count,
});

/** Validated edge benchmark settings. */
export type EdgeBenchOptions = z.infer<typeof edgeBenchOptionsSchema>;

/**
 * Reads the flags of `npm run bench:edge`; the defaults keep a full run near four minutes on
 * two cores. Latency takes 3,000 requests per path: with 500 the p50 difference between two
 * paths moved by ±0.2 ms from run to run on this host, with 3,000 by under 0.1 ms.
 *
 * @example
 * npm run bench:edge -- --json --no-wrangler --duration-ms 3000
 */
export function readEdgeBenchOptions(argv: readonly string[]): EdgeBenchOptions {
  const program = new Command('bench-edge')
    .description("Spillway's edge against a bare passthrough Worker and the upstream itself.")
    .option('--json', 'print one JSON document instead of a summary')
    .option('--latency-requests <n>', 'timed sequential requests per path at 1 client', '3000')
    .option('--warmup-requests <n>', 'untimed requests per path first', '300')
    .option('--clients <n>', 'concurrent clients for the throughput figure', '32')
    .option('--duration-ms <ms>', 'timed throughput window per path', '5000')
    .option('--no-wrangler', 'skip the `wrangler dev` measurements')
    .option('--no-portkey', 'skip the Portkey gateway peer column')
    .option('--no-breakdown', 'skip the variants that locate the edge’s extra time')
    .option('--breakdown-latency-requests <n>', 'timed sequential requests per variant', '400')
    .option('--breakdown-duration-ms <ms>', 'throughput window per variant', '3000')
    .option('--handler', "also time the edge app's JS in Node with stubbed I/O, per knock-out (about 1 min)")
    .option('--handler-requests <n>', 'timed in-process requests per handler variant', '3000');
  return parseBenchFlags(program, edgeBenchOptionsSchema, argv);
}
