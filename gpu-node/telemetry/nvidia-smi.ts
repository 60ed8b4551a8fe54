import { execFile } from 'node:child_process';
import type { GpuStats } from '../../shared/index.ts';

/** The query gpu-node runs; CSV with header and units, as operators see it by hand. */
export const nvidiaSmiArguments = [
  '--query-gpu=index,name,utilization.gpu,memory.used,memory.total',
  '--format=csv',
] as const;

const MIB = 1024 * 1024;

/**
 * Parses `nvidia-smi --query-gpu=… --format=csv` output (header row, units like `%` and
 * `MiB`). Columns are found by header name, so any subset and order works; `[N/A]` and
 * `[Not Supported]` become null. Returns null when the text holds no GPU rows.
 */
export function parseNvidiaSmiCsv(text: string): GpuStats[] | null {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const header = lines[0]?.split(',').map((cell) => cell.trim().replace(/\s*\[.*\]$/, '')) ?? [];
  const column = (name: string) => header.indexOf(name);
  const [indexColumn, nameColumn, utilizationColumn, usedColumn, totalColumn] = [
    'index',
    'name',
    'utilization.gpu',
    'memory.used',
    'memory.total',
  ].map(column);
  if (utilizationColumn === -1 && usedColumn === -1) return null;
  const rows = lines.slice(1).map((line, rowNumber): GpuStats => {
    const cells = line.split(',').map((cell) => cell.trim());
    const cell = (index: number | undefined) => (index === undefined || index < 0 ? undefined : cells[index]);
    return {
      index: numberOrNull(cell(indexColumn)) ?? rowNumber,
      name: cell(nameColumn) ?? 'GPU',
      utilization_pct: numberOrNull(cell(utilizationColumn)),
      memory_used_bytes: mebibytesToBytes(numberOrNull(cell(usedColumn))),
      memory_total_bytes: mebibytesToBytes(numberOrNull(cell(totalColumn))),
    };
  });
  return rows.length > 0 ? rows : null;
}

function numberOrNull(cell: string | undefined): number | null {
  if (cell === undefined) return null;
  const match = /^(-?\d+(?:\.\d+)?)/.exec(cell);
  return match?.[1] === undefined ? null : Number(match[1]);
}

function mebibytesToBytes(mebibytes: number | null): number | null {
  return mebibytes === null ? null : mebibytes * MIB;
}

/**
 * Polls nvidia-smi in the background so telemetry reads a cached value and never waits on a
 * process. Hosts without nvidia-smi get null and are asked again only once a minute.
 */
export class GpuProbe {
  #latest: GpuStats[] | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  readonly #command: string;

  constructor(command = 'nvidia-smi') {
    this.#command = command;
  }

  /** The last reading, or null where nvidia-smi does not answer. */
  get latest(): GpuStats[] | null {
    return this.#latest;
  }

  /** Starts polling every `intervalMs` (backing off to 60 s while nvidia-smi is missing). */
  start(intervalMs: number): void {
    const poll = () => {
      execFile(this.#command, nvidiaSmiArguments, { timeout: 2_000 }, (error, stdout) => {
        this.#latest = error ? null : parseNvidiaSmiCsv(stdout);
        if (this.#stopped) return;
        this.#timer = setTimeout(poll, this.#latest ? intervalMs : 60_000);
        this.#timer.unref();
      });
    };
    poll();
  }

  /** Stops polling. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
