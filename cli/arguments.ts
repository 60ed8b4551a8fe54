import { InvalidArgumentError } from 'commander';
import { edgeJobIdSchema } from '../shared/index.ts';

/** Commander parser for a positive integer option (`--capacity 4`). */
export function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a positive integer');
  return parsed;
}

/** Commander parser for a non-negative integer (`--seed 0`). */
export function nonNegativeInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected an integer ≥ 0');
  return parsed;
}

/** Commander parser for a non-negative number (`--price 0.004`). */
export function nonNegativeNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0)
    throw new InvalidArgumentError('expected a number ≥ 0');
  return parsed;
}

/** Commander parser for a comma-separated list (`--models a,b`), empty items dropped. */
export function commaList(value: string): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list');
  return items;
}

/** Commander parser for an image size (`--size 256x256`). */
export function imageSize(value: string): string {
  if (!/^[1-9]\d{1,4}x[1-9]\d{1,4}$/.test(value)) throw new InvalidArgumentError('expected WIDTHxHEIGHT');
  return value;
}

/**
 * Commander parser for a job id (`job_…`, as the edge mints them): a malformed one is a usage
 * error (exit 2) here, where the edge would answer it 404 `job_not_found` like a real id gone.
 */
export function jobId(value: string): string {
  if (!edgeJobIdSchema.safeParse(value).success)
    throw new InvalidArgumentError('expected a job id (job_ and 16-64 of [A-Za-z0-9_-])');
  return value;
}
