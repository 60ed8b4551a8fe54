import { StepCurveEstimator } from '../../gpu-node/scheduler/step-curve-estimator.ts';
import type { StepCurvePoint } from '../../shared/schemas/telemetry-report.ts';
import { normal, type Random } from './rng.ts';

/** EWMA weight of one step's measurement in the reported recent step time (as gpu-node's). */
const STEP_EWMA = 0.2;
/** Relative noise of one measured step (lognormal sigma): jitter, other processes, clocks. */
const STEP_NOISE = 0.1;

/**
 * How the simulated pools measure their own step curve: with gpu-node's own estimator
 * (`StepCurveEstimator`: one bucket per doubling of batch megapixels, the median of its last few
 * steps, the least recently stepped bucket evicted beyond `MAX_STEP_CURVE_POINTS`, stale buckets
 * forgotten on busy time), fed one noisy measurement per whole step the pool takes. The simulator
 * advances a pool in spans of possibly fractional steps; the fractions carry over, so the
 * estimator sees the pool's steps one by one, each at the batch it ran. Empty until the first
 * step: an honest "unmeasured".
 */
export class CurveMeter {
  private readonly estimator = new StepCurveEstimator();
  private cached: readonly StepCurvePoint[] | null = [];
  /** Steps taken but not yet recorded (a fraction of a step). */
  private carry = 0;
  /** EWMA of every measured step, whatever its batch (telemetry `ewma_step_ms`); null before the first. */
  recentStepMs: number | null = null;
  private readonly random: Random;

  constructor(random: Random) {
    this.random = random;
  }

  /** Records `steps` (possibly fractional) steps of a batch of `batchMegapixels` at `stepMs` each. */
  record(batchMegapixels: number, stepMs: number, steps: number): void {
    if (!(batchMegapixels > 0) || !(stepMs > 0) || !(steps > 0)) return;
    this.carry += steps;
    while (this.carry >= 1) {
      this.carry -= 1;
      const noisy = stepMs * Math.exp(STEP_NOISE * normal(this.random));
      this.estimator.record(batchMegapixels, noisy);
      this.recentStepMs =
        this.recentStepMs === null ? noisy : this.recentStepMs + STEP_EWMA * (noisy - this.recentStepMs);
      this.cached = null;
    }
  }

  /** The curve as the pool reports it (the same array until the next measurement). */
  curve(): readonly StepCurvePoint[] {
    if (!this.cached) this.cached = this.estimator.curve();
    return this.cached;
  }
}
