import type { GpuStats } from '../../shared/index.ts';

/** The fields gpu-node asks nvidia-smi for, in this order. */
export const nvidiaSmiFields = ['index', 'name', 'utilization.gpu', 'memory.used', 'memory.total'] as const;

/** The query argument for {@link nvidiaSmiFields}. */
export const nvidiaSmiQueryArgument = `--query-gpu=${nvidiaSmiFields.join(',')}`;

const MIB = 1024 * 1024;

/** Each of {@link nvidiaSmiFields}' column in a row: -1 where the row has none. */
type Columns = readonly number[];

/** The columns of `--format=csv,noheader` rows of {@link nvidiaSmiQueryArgument}: the fields in order. */
const QUERY_COLUMNS: Columns = nvidiaSmiFields.map((_, column) => column);

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
  const columns = nvidiaSmiFields.map((field) => header.indexOf(field));
  const [, , utilizationColumn, usedColumn] = columns;
  if (utilizationColumn === -1 && usedColumn === -1) return null;
  const rows = lines.slice(1).map((line, rowNumber) => statsOf(line, columns, rowNumber));
  return rows.length > 0 ? rows : null;
}

/**
 * Parses one row that `nvidia-smi` prints for {@link nvidiaSmiQueryArgument} with
 * `--format=csv,noheader` (the fields in order); null for a line that is not a GPU's row, such as
 * the complaint it prints where the driver is not loaded.
 */
export function parseNvidiaSmiRow(line: string): GpuStats | null {
  const stats = statsOf(line, QUERY_COLUMNS, -1);
  return stats.index >= 0 ? stats : null;
}

/** One row's figures; a row without an index cell is numbered `rowNumber`. */
function statsOf(line: string, columns: Columns, rowNumber: number): GpuStats {
  const cells = line.split(',').map((cell) => cell.trim());
  const cell = (field: number) => {
    const column = columns[field];
    return column === undefined || column < 0 ? undefined : cells[column];
  };
  return {
    index: numberOrNull(cell(0)) ?? rowNumber,
    name: cell(1) ?? 'GPU',
    utilization_pct: numberOrNull(cell(2)),
    memory_used_bytes: mebibytesToBytes(numberOrNull(cell(3))),
    memory_total_bytes: mebibytesToBytes(numberOrNull(cell(4))),
  };
}

function numberOrNull(cell: string | undefined): number | null {
  if (cell === undefined) return null;
  const match = /^(-?\d+(?:\.\d+)?)/.exec(cell);
  return match?.[1] === undefined ? null : Number(match[1]);
}

function mebibytesToBytes(mebibytes: number | null): number | null {
  return mebibytes === null ? null : mebibytes * MIB;
}
