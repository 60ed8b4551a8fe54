import type { Command, CommanderError } from 'commander';
import { z } from 'zod';

/** A flag that takes a positive whole number (`--pools 2000`), read from its string. */
export const positiveIntegerFlag = z.coerce.number().int().positive();

/**
 * Reads a bench's flags with `program` (commander answers `--help` and refuses an unknown flag)
 * and checks their values with `schema`. A value the schema refuses ends the process through
 * `program.error` with each flag's name and what is wrong with it (exit 2), never a stack trace:
 * these commands are run by hand, and by other teams' scripts.
 *
 * @example
 * const options = parseBenchFlags(new Command('bench-x').option('--rate <n>', 'per second', '3'), schema, argv);
 * // bench-x --rate many: 'bench-x: --rate: expected a number, got "many"'
 */
export function parseBenchFlags<Schema extends z.ZodType>(
  program: Command,
  schema: Schema,
  argv: readonly string[],
): z.output<Schema> {
  program.exitOverride(usageExit);
  program.parse([...argv], { from: 'user' });
  const raw = program.opts();
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `--${flagName(issue.path)}: ${problemOf(issue, raw[String(issue.path[0] ?? '')])}`,
  );
  return program.error(`${program.name()}: ${problems.join('; ')}`);
}

/**
 * Ends the process for commander: 0 for `--help` and `--version`, 2 for a usage error (an
 * unknown flag, a missing or refused value), as gpu-node and the CLI exit, so a script tells
 * "called wrongly" apart from "ran and failed" (1).
 */
export function usageExit(error: CommanderError): never {
  process.exit(error.exitCode === 0 ? 0 : 2);
}

/** What is wrong with a flag's value, naming the value given where a number was expected. */
function problemOf(issue: z.core.$ZodIssue, given: unknown): string {
  if (issue.code === 'invalid_type' && issue.expected === 'number' && typeof given === 'string')
    return `expected a number, got ${JSON.stringify(given)}`;
  return issue.message;
}

/** The command-line flag of an option's path (`pacedStepMs` -> `paced-step-ms`). */
function flagName(path: readonly PropertyKey[]): string {
  return String(path[0] ?? '').replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
