import { Command } from 'commander';
import { z } from 'zod';
import { parseBenchFlags } from '../bench-flags.ts';

const positive = z.coerce.number().positive();

/** Chaos bench settings, validated once. */
export const chaosOptionsSchema = z.object({
  json: z.boolean().default(false),
  quick: z.boolean().default(false),
  syncPerSecond: z.coerce.number().min(0),
  asyncPerSecond: z.coerce.number().min(0),
  heartbeatIntervalMs: positive,
  telemetryTtlMs: positive,
  drainLimitMs: positive,
  raw: z.string().optional(),
});

/** Validated chaos bench settings. */
export type ChaosOptions = z.infer<typeof chaosOptionsSchema>;

/**
 * Reads the flags of `npm run bench:chaos`. Heartbeats and the telemetry TTL default to what
 * `npm start` runs with; the rates keep three CPU pools on two cores well inside their capacity,
 * so a failure is the faults' doing, not overload's.
 *
 * @example
 * npm run bench:chaos -- --json --quick
 */
export function readChaosOptions(argv: readonly string[]): ChaosOptions {
  const program = new Command('bench-chaos')
    .description(
      'Faults on the real local stack under steady load: lost jobs, failed requests, typed errors.',
    )
    .option('--json', 'print one JSON document instead of a summary')
    .option('--quick', 'SIGKILL one pool under a short load instead of the whole fault sequence')
    .option('--sync-per-second <n>', 'sync generations sent per second', '3')
    .option('--async-per-second <n>', 'async jobs submitted per second', '2')
    .option('--heartbeat-interval-ms <ms>', "the pools' heartbeat period", '1000')
    .option('--telemetry-ttl-ms <ms>', "the edge's TELEMETRY_TTL_MS", '5000')
    .option('--drain-limit-ms <ms>', 'how long accepted jobs may take to end after the load', '120000')
    .option('--raw <file>', 'also write every call, job and dispatch of the run to this JSON file');
  return parseBenchFlags(program, chaosOptionsSchema, argv);
}
