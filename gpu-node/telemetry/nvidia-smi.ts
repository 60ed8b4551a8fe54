import type { GpuStats } from '../../shared/index.ts';

/** The fields gpu-node asks nvidia-smi for, in this order. */
export const nvidiaSmiFields = ['index', 'name', 'utilization.gpu', 'memory.used', 'memory.total'] as const;

/** The query argument for {@link nvidiaSmiFields}. */
export const nvidiaSmiQueryArgument = `--query-gpu=${nvidiaSmiFields.join(',')}`;

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
