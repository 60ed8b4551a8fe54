import { readFileSync } from 'node:fs';

/** CPU time of the whole host and of this process at one moment. */
export interface CpuSnapshot {
  readonly at: number;
  /** Busy CPU seconds of every core since boot; null off Linux. */
  readonly hostBusySeconds: number | null;
  /** CPU seconds of this process, every thread included. */
  readonly ownSeconds: number;
}

// Linux reports /proc/stat in clock ticks; USER_HZ is 100 on every mainstream build.
const ticksPerSecond = 100;

/** Takes a snapshot now. */
export function cpuSnapshot(): CpuSnapshot {
  const own = process.cpuUsage();
  return {
    at: performance.now(),
    hostBusySeconds: hostBusySeconds(),
    ownSeconds: (own.user + own.system) / 1e6,
  };
}

/**
 * Cores' worth of CPU that something other than this process (and `otherSeconds` of CPU we
 * know about, such as our gpu-node child) used between two snapshots: a noisy neighbour on a
 * shared host shows up here. Null off Linux.
 */
export function foreignCores(before: CpuSnapshot, after: CpuSnapshot, otherSeconds = 0): number | null {
  if (before.hostBusySeconds === null || after.hostBusySeconds === null) return null;
  const seconds = (after.at - before.at) / 1000;
  if (seconds <= 0) return null;
  const foreign =
    after.hostBusySeconds - before.hostBusySeconds - (after.ownSeconds - before.ownSeconds) - otherSeconds;
  return Math.round((Math.max(0, foreign) / seconds) * 1000) / 1000;
}

function hostBusySeconds(): number | null {
  try {
    const total = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal …
    const [user, nice, system, , , irq, softirq, steal] = total.trim().split(/\s+/).slice(1).map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>(
      (sum, value) => sum + (value ?? 0),
      0,
    );
    return busy / ticksPerSecond;
  } catch {
    return null;
  }
}
