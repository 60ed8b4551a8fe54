import { readdir, readFile } from 'node:fs/promises';

const KIB_PER_MIB = 1024;
/** How often resident memory is sampled during the load. */
const SAMPLE_INTERVAL_MS = 1_000;

/** One process's memory over the run, MiB. */
export interface ProcessMemory {
  readonly pid: number;
  /** `VmHWM`: the process's peak resident set since it started. */
  readonly peak_mib: number | null;
  /** `VmRSS` when sampling began and when it ended (growth under a steady load would show here). */
  readonly first_mib: number | null;
  readonly last_mib: number | null;
  /** CPU seconds (user + system) the process spent while sampled: who had the host's cores. */
  readonly cpu_s: number | null;
}

/** A running sampler of named processes. */
export interface MemorySampler {
  /** Stops sampling and reads each process's peak. */
  stop(): Promise<Record<string, ProcessMemory>>;
}

/** Samples `VmRSS` of each named process every second until stopped. */
export function sampleMemory(processes: Readonly<Record<string, number>>): MemorySampler {
  const first: Record<string, number | null> = {};
  const last: Record<string, number | null> = {};
  const cpuAtStart: Record<string, Promise<number | null>> = Object.fromEntries(
    Object.entries(processes).map(([name, pid]) => [name, cpuSeconds(pid)]),
  );
  const sample = async () => {
    for (const [name, pid] of Object.entries(processes)) {
      const rss = await statusField(pid, 'VmRSS');
      if (!(name in first)) first[name] = rss;
      if (rss !== null) last[name] = rss;
    }
  };
  void sample();
  const timer = setInterval(() => void sample(), SAMPLE_INTERVAL_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await sample();
      const entries = await Promise.all(
        Object.entries(processes).map(async ([name, pid]) => {
          const memory: ProcessMemory = {
            pid,
            peak_mib: await statusField(pid, 'VmHWM'),
            first_mib: first[name] ?? null,
            last_mib: last[name] ?? null,
            cpu_s: difference(await cpuSeconds(pid), await cpuAtStart[name]),
          };
          return [name, memory] as const;
        }),
      );
      return Object.fromEntries(entries);
    },
  };
}

/**
 * The `workerd` processes started by this process (Miniflare runs the edge's workerd as a child,
 * and does not tell its pid): found among this process's descendants in /proc.
 */
export async function workerdPids(): Promise<number[]> {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    // `pid (comm) state ppid …`: comm may hold spaces, so parse from the last parenthesis.
    const close = stat?.lastIndexOf(')') ?? -1;
    if (!stat || close < 0) continue;
    names.set(pid, stat.slice(stat.indexOf('(') + 1, close));
    parents.set(pid, Number(stat.slice(close + 2).split(' ')[1]));
  }
  const descends = (pid: number): boolean => {
    for (let at = parents.get(pid); at !== undefined && at > 1; at = parents.get(at)) {
      if (at === process.pid) return true;
    }
    return false;
  };
  return [...names].filter(([pid, name]) => name === 'workerd' && descends(pid)).map(([pid]) => pid);
}

async function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  const match = status ? new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status) : null;
  return match?.[1] ? Math.round((Number(match[1]) / KIB_PER_MIB) * 10) / 10 : null;
}

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;
/** Fields of `/proc/<pid>/stat` after the command name: utime and stime are the 12th and 13th. */
const UTIME_FIELD = 11;
const STIME_FIELD = 12;

async function cpuSeconds(pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[UTIME_FIELD]) + Number(fields[STIME_FIELD])) / TICKS_PER_S;
}

function difference(end: number | null, start: number | null | undefined): number | null {
  return end === null || start === null || start === undefined ? null : Math.round((end - start) * 100) / 100;
}

/** The host's CPU time so far, in ticks: all of it and the busy part (not idle, not iowait). */
export async function hostCpuTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: total - idle, total };
}
