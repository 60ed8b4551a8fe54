import { writeFile } from 'node:fs/promises';
import { readChaosOptions } from './chaos-options.ts';
import type { ChaosReport } from './chaos-report.ts';
import type { ChaosStack } from './chaos-stack.ts';
import { undoFaults } from './faults.ts';
import { runChaos } from './run-chaos.ts';

// Entry point: `npm run bench:chaos -- --json [--quick]`. Progress goes to stderr; the report (JSON
// with --json, else a summary) to stdout.

const options = readChaosOptions(process.argv.slice(2));
// workerd's own log lines reach this process through Miniflare's `console.log`: with --json they go
// to stderr, so stdout holds the report alone.
if (options.json) console.log = (...parts: unknown[]) => console.error(...parts);
const log = (line: string) => process.stderr.write(`[bench:chaos] ${new Date().toISOString()} ${line}\n`);

let running: ChaosStack | null = null;
const interrupted = async () => {
  log('interrupted: stopping the stack');
  if (running) {
    undoFaults(running);
    await running.stop();
  }
  process.exit(130);
};
process.once('SIGINT', () => void interrupted());
process.once('SIGTERM', () => void interrupted());

const { report, raw } = await runChaos(options, log, (chaos) => {
  running = chaos;
});
if (options.raw) await writeFile(options.raw, `${JSON.stringify(raw)}\n`);
process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : summary(report));
process.exit(0);

function summary(report: ChaosReport): string {
  const lines = Object.entries(report.headline).map(
    ([name, value]) =>
      `${name.padEnd(30)} ${String(value).padStart(8)}   ${report.met[name as keyof ChaosReport['met']] ? 'met' : 'NOT met'}`,
  );
  return `${['chaos bench', ...lines, `jobs: ${JSON.stringify(report.jobs)}`, `sync: ${JSON.stringify(report.sync)}`].join('\n')}\n`;
}
