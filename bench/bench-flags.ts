import type { Command } from 'commander';
import { z } from 'zod';

/** A flag that takes a positive whole number (`--pools 2000`), read from its string. */
export const positiveIntegerFlag = z.coerce.number().int().positive();

/**
 * Reads a bench's flags with `program` (commander answers `--help` and refuses an unknown flag)
 * and checks their values with `schema`. A value the schema refuses ends the process through
 * `program.error` with each flag's name and what is wrong with it (exit 1), never a stack trace:
 * these commands are run by hand, and by other teams' scripts.
 *
 * @example
 * const options = parseBenchFlags(new Command('bench-x').option('--rate <n>', 'per second', '3'), schema, argv);
 * // bench-x --rate many: "bench-x: --rate: Invalid input: expected number, received NaN"
 */
export function parseBenchFlags<Schema extends z.ZodType>(
  program: Command,
  schema: Schema,
  argv: readonly string[],
): z.output<Schema> {
  program.parse([...argv], { from: 'user' });
  const result = schema.safeParse(program.opts());
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `--${flagName(issue.path)}: ${issue.message}`);
  return program.error(`${program.name()}: ${problems.join('; ')}`);
}

/** The command-line flag of an option's path (`pacedStepMs` -> `paced-step-ms`). */
function flagName(path: readonly PropertyKey[]): string {
  return String(path[0] ?? '').replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
