/** Two-sided 95% Student t quantiles by degrees of freedom (1..30); larger uses 1.96. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Mean and 95% confidence interval of independent replications (one value per seed). */
export interface Interval {
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

/** The t-interval of the mean of `values`; a single value gives a zero-width interval. */
export function confidenceInterval(values: readonly number[]): Interval {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return { mean: Number.NaN, low: Number.NaN, high: Number.NaN };
  const mean = finite.reduce((sum, value) => sum + value, 0) / finite.length;
  if (finite.length === 1) return { mean, low: mean, high: mean };
  const variance = finite.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (finite.length - 1);
  const half = (T_975[finite.length - 2] ?? 1.96) * Math.sqrt(variance / finite.length);
  return { mean, low: mean - half, high: mean + half };
}

/** Rounds for the report (null for NaN or infinite). */
export function rounded(value: number, digits = 3): number | null {
  if (!Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
