import type { FakeStepTime } from './fake-batch-engine.ts';

/** A device of a fixed speed: each step takes `fixedMs` plus `msPerMegapixel` per megapixel in the batch. */
export interface PacedDeviceSpeed {
  readonly fixedMs: number;
  readonly msPerMegapixel: number;
}

/** The flag {@link splitPacedDeviceFlag} takes off a paced pool's command line. */
export const PACED_STEP_FLAG = '--paced-step-ms';

/**
 * Reads `FIXED+PER_MEGAPIXEL` (ms, e.g. `1.5+30`) as a {@link PacedDeviceSpeed}; null when it is
 * not two non-negative numbers with a positive sum.
 */
export function parsePacedDeviceSpeed(text: string): PacedDeviceSpeed | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*\+\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match) return null;
  const fixedMs = Number(match[1]);
  const msPerMegapixel = Number(match[2]);
  return fixedMs + msPerMegapixel > 0 ? { fixedMs, msPerMegapixel } : null;
}

/** The step time a {@link FakeBatchEngine} on this device reports and waits. */
export function pacedStepTime(speed: PacedDeviceSpeed): FakeStepTime {
  return ({ batchMegapixels }) => speed.fixedMs + speed.msPerMegapixel * batchMegapixels;
}

/** `--paced-step-ms VALUE` taken out of `argv`: the device's speed and the gpu-node flags left. */
export function splitPacedDeviceFlag(
  argv: readonly string[],
): { speed: PacedDeviceSpeed; rest: string[] } | { error: string } {
  const at = argv.indexOf(PACED_STEP_FLAG);
  const value = at >= 0 ? argv[at + 1] : undefined;
  const speed = value === undefined ? null : parsePacedDeviceSpeed(value);
  if (!speed) return { error: `${PACED_STEP_FLAG} FIXED+PER_MEGAPIXEL (ms, e.g. 1.5+30) is required` };
  return { speed, rest: [...argv.slice(0, at), ...argv.slice(at + 2)] };
}
