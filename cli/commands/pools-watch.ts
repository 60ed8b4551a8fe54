import type { CommandContext } from '../context.ts';
import { CliError, exitCodes } from '../errors.ts';
import { renderPoolTable } from '../pool-table.ts';
import { formatTime } from '../table.ts';
import { readPoolRows } from './pool-reads.ts';

// ANSI control sequences (ECMA-48): redraw over the previous frame instead of clearing the
// screen, so the table never blinks.
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const CLEAR_TO_LINE_END = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';
const linesUp = (count: number) => `\x1b[${count}F`;

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * `spillway pools watch`: the pool table every `intervalSeconds`, redrawn in place on a
 * terminal (a frame after another when piped; one JSON line per refresh with `--json`), until
 * Ctrl-C or `count` refreshes. An edge that stops answering is shown in the header (with
 * `--json`, the refresh's line carries `error` instead of `pools`) and tried again; a refused
 * token ends the watch. A watch that `count` ends without one table read fails as unreachable.
 */
export async function watchPools(
  context: CommandContext,
  intervalSeconds: number,
  count: number | null,
): Promise<void> {
  const { io } = context;
  const inPlace = io.stdout.isTTY === true && !context.json;
  const stop = new AbortController();
  const stopListening = io.onInterrupt(() => stop.abort());
  const edgeUrl = await context.edgeUrl();
  let drawnLines = 0;
  const draw = (lines: readonly string[]) => {
    if (!inPlace) {
      io.stdout.write(`${lines.join('\n')}\n\n`);
      return;
    }
    // A line wider than the terminal wraps, and the next frame would start too low.
    const columns = io.stdout.columns;
    const width = columns ? Math.max(1, columns - 1) : Number.POSITIVE_INFINITY;
    const fitted = lines.map((line) => line.slice(0, width));
    const back = drawnLines > 0 ? linesUp(drawnLines) : '';
    io.stdout.write(`${back}${fitted.map((line) => `${line}${CLEAR_TO_LINE_END}\n`).join('')}${CLEAR_BELOW}`);
    drawnLines = fitted.length;
  };
  // The last refusal while no read has succeeded yet: what a watch that `count` ends fails with.
  let unanswered: CliError | null = null;
  let answered = false;
  if (inPlace) io.stdout.write(HIDE_CURSOR);
  try {
    for (let refresh = 1; !stop.signal.aborted; refresh += 1) {
      const header = `Every ${intervalSeconds}s: pools at ${edgeUrl}   ${formatTime(io.now())}   (Ctrl-C to stop)`;
      try {
        const rows = await readPoolRows(context);
        answered = true;
        if (context.json) io.stdout.write(`${JSON.stringify({ at: io.now(), pools: rows })}\n`);
        else draw([header, '', ...renderPoolTable(rows)]);
      } catch (error) {
        if (!(error instanceof CliError) || error.exitCode !== exitCodes.unreachable) throw error;
        unanswered = error;
        const retry = count !== null && refresh >= count ? '' : ` (retrying in ${intervalSeconds}s)`;
        if (context.json) io.stdout.write(`${JSON.stringify({ at: io.now(), error: error.message })}\n`);
        else draw([`${header}   edge not answering${retry}`, '', `error: ${error.message}`]);
      }
      if (count !== null && refresh >= count) {
        if (!answered && unanswered) throw unanswered;
        break;
      }
      await pause(intervalSeconds * 1000, stop.signal);
    }
  } finally {
    stopListening();
    if (inPlace) io.stdout.write(SHOW_CURSOR);
  }
}
