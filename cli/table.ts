/** Spaces between two columns. */
const GUTTER = 3;

/** A table's columns: header and the cell of each row. */
export type Columns<Row> = ReadonlyArray<readonly [header: string, cell: (row: Row) => string]>;

/**
 * Renders rows as aligned columns with a header line, kubectl style (no borders, so `grep` and
 * `awk` work on it). Returns the lines, without trailing newlines.
 */
export function renderTable<Row>(columns: Columns<Row>, rows: readonly Row[]): string[] {
  const cells = rows.map((row) => columns.map(([, cell]) => printable(cell(row))));
  const headers = columns.map(([header]) => header);
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...cells.map((line) => (line[index] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, index) =>
        index === values.length - 1 ? value : value.padEnd((widths[index] ?? 0) + GUTTER),
      )
      .join('')
      .trimEnd();
  return [line(headers), ...cells.map(line)];
}

/**
 * A cell as a terminal should show it: control characters (an escape sequence that clears the
 * screen, a newline that breaks the table) from the registry's strings become `?`.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** A missing value in a table cell. */
export const NONE = '-';

/** Milliseconds as a short duration: `850 ms`, `1.2 s`, `3 min`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return NONE;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** Epoch milliseconds as an ISO time without milliseconds. */
export function formatTime(epochMs: number | null | undefined): string {
  if (epochMs === null || epochMs === undefined) return NONE;
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
