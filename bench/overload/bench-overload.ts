import { writeFile } from 'node:fs/promises';
import { readOverloadOptions } from './overload-options.ts';
import type { OverloadReport } from './overload-report.ts';
import type { OverloadStack } from './overload-stack.ts';
import { runOverload } from './run-overload.ts';

// Entry point: `npm run bench:overload -- --json [--quick]`. Progress goes to stderr; the report
// (JSON with --json, else a summary) to stdout.

const options = readOverloadOptions(process.argv.slice(2));
// workerd's own log lines reach this process through Miniflare's `console.log`: with --json they go
// to stderr, so stdout holds the report alone.
if (options.json) console.log = (...parts: unknown[]) => console.error(...parts);
const log = (line: string) => process.stderr.write(`[bench:overload] ${new Date().toISOString()} ${line}\n`);

let running: OverloadStack | null = null;
const interrupted = async () => {
  log('interrupted: stopping the stack');
  await running?.stop();
  process.exit(130);
};
process.once('SIGINT', () => void interrupted());
process.once('SIGTERM', () => void interrupted());

const { report, run } = await runOverload(options, log, (stack) => {
  running = stack;
});
if (options.raw) await writeFile(options.raw, `${JSON.stringify(run.records)}\n`);
process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : summary(report));
process.exit(0);

function summary(report: OverloadReport): string {
  const lines = Object.entries(report.headline).map(([name, value]) => {
    const met =
      name in report.met ? (report.met[name as keyof OverloadReport['met']] ? 'met' : 'NOT met') : '';
    return `${name.padEnd(36)} ${JSON.stringify(value)}   ${met}`;
  });
  return `${['overload bench', ...lines].join('\n')}\n`;
}
