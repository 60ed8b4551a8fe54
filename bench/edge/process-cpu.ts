import { readdir, readFile } from 'node:fs/promises';

/** CPU time (user + system, ms) of a process tree, in total and by executable name. */
export interface TreeCpu {
  readonly totalMs: number;
  readonly byName: Readonly<Record<string, number>>;
}

/** Linux reports CPU times in clock ticks; 100 per second on every common configuration. */
const MS_PER_TICK = 10;

interface ProcessStat {
  readonly pid: number;
  readonly parent: number;
  readonly name: string;
  readonly cpuMs: number;
}

/**
 * CPU used so far by `rootPid` and all its descendants, from /proc (Linux only; elsewhere an
 * empty tree). Sampled before and after a load window, it gives each runtime's CPU per request.
 */
export async function treeCpu(rootPid: number): Promise<TreeCpu> {
  const processes = await readAllStats();
  const children = new Map<number, ProcessStat[]>();
  for (const stat of processes) children.set(stat.parent, [...(children.get(stat.parent) ?? []), stat]);
  const byName: Record<string, number> = {};
  let totalMs = 0;
  const root = processes.find((stat) => stat.pid === rootPid);
  const queue = root ? [root] : [];
  for (let next = queue.shift(); next; next = queue.shift()) {
    totalMs += next.cpuMs;
    byName[next.name] = (byName[next.name] ?? 0) + next.cpuMs;
    queue.push(...(children.get(next.pid) ?? []));
  }
  return { totalMs, byName };
}

/** CPU ms used between two samples of the same tree, by name (processes that exited are lost). */
export function cpuBetween(before: TreeCpu, after: TreeCpu): TreeCpu {
  const byName: Record<string, number> = {};
  for (const [name, ms] of Object.entries(after.byName)) byName[name] = ms - (before.byName[name] ?? 0);
  return { totalMs: after.totalMs - before.totalMs, byName };
}

async function readAllStats(): Promise<ProcessStat[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const stats = await Promise.all(
    entries.filter((entry) => /^\d+$/.test(entry)).map((pid) => readStat(Number(pid))),
  );
  return stats.filter((stat): stat is ProcessStat => stat !== null);
}

async function readStat(pid: number): Promise<ProcessStat | null> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // `comm` is parenthesised and may contain spaces; the fields after it are space-separated.
    const close = text.lastIndexOf(')');
    const name = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // After comm: state(0) ppid(1) … utime(11) stime(12).
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    return { pid, parent: Number(fields[1]), name, cpuMs: cpuTicks * MS_PER_TICK };
  } catch {
    return null;
  }
}

/** CPU used by one path's process tree, summed over the windows it was measured in. */
export class CpuTally {
  #totalMs = 0;
  readonly #byName = new Map<string, number>();

  /** Runs `work`, adding the CPU `rootPid`'s tree used meanwhile; without a root it just runs it. */
  async measure<T>(rootPid: number | undefined, work: () => Promise<T>): Promise<T> {
    if (!rootPid) return work();
    const before = await treeCpu(rootPid);
    const result = await work();
    const used = cpuBetween(before, await treeCpu(rootPid));
    this.#totalMs += used.totalMs;
    for (const [name, ms] of Object.entries(used.byName))
      this.#byName.set(name, (this.#byName.get(name) ?? 0) + ms);
    return result;
  }

  /** ms per request in total and by executable, leaving out executables that used (almost) nothing. */
  perRequest(requests: number): Record<string, number> | null {
    if (requests === 0 || this.#totalMs === 0) return null;
    const perRequest = (ms: number) => Math.round((ms / requests) * 1000) / 1000;
    const byName = [...this.#byName.entries()].filter(([, ms]) => perRequest(ms) >= 0.005);
    return Object.fromEntries([
      ['total', perRequest(this.#totalMs)],
      ...byName.map(([name, ms]) => [name, perRequest(ms)]),
    ]);
  }
}
