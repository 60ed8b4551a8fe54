import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchCredentials } from './bench-credentials.ts';
import { breakdownPhase } from './breakdown-phase.ts';
import { Cleanup } from './cleanup.ts';
import { describeEdgeEnvironment } from './edge-environment.ts';
import { readEdgeBenchOptions } from './edge-options.ts';
import { type EdgeBenchReport, headline } from './edge-report.ts';
import { handlerPhase } from './handler-phase.ts';
import { startInstantPool } from './instant-pool.ts';
import { miniflarePhase } from './miniflare-phase.ts';
import { benchNotes } from './notes.ts';
import type { PhaseContext } from './phase-context.ts';
import { summaryText } from './summary-text.ts';
import { wranglerPhase } from './wrangler-phase.ts';

// Entry point: `npm run bench:edge -- --json`. Progress goes to stderr, the report to stdout.

const options = readEdgeBenchOptions(process.argv.slice(2));
const log = (line: string) => process.stderr.write(`[bench:edge] ${line}\n`);
const reportError = (error: unknown) =>
  log(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
const startedAt = new Date();
const cleanup = new Cleanup();

const folder = await mkdtemp(join(tmpdir(), 'spillway-bench-edge-'));
const removeFolder = () => rm(folder, { recursive: true, force: true });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything the bench started`);
    void cleanup
      .run(reportError)
      .then(removeFolder)
      .finally(() => process.exit(130));
  });
}

try {
  const pool = await startInstantPool();
  cleanup.add(pool.stop);
  const context: PhaseContext = {
    pool,
    credentials: await createBenchCredentials(folder),
    folder,
    cleanup,
    log,
    settings: {
      warmup: options.warmupRequests,
      latencyRequests: options.latencyRequests,
      clients: options.clients,
      durationMs: options.durationMs,
      log,
    },
  };
  const notes: string[] = [];
  const miniflare = await miniflarePhase(context, options.portkey);
  const wrangler = options.wrangler
    ? await wranglerPhase(context).catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        notes.push(`wrangler dev figures are null: ${reason}`);
        log(`wrangler dev failed: ${reason}`);
        return null;
      })
    : null;
  if (!options.wrangler) notes.push('wrangler dev skipped (--no-wrangler)');
  if (!options.portkey) notes.push('Portkey peer skipped (--no-portkey)');
  const breakdown = options.breakdown
    ? await breakdownPhase({
        ...context,
        settings: {
          ...context.settings,
          latencyRequests: options.breakdownLatencyRequests,
          durationMs: options.breakdownDurationMs,
        },
      })
    : null;
  const handlerJs = options.handler ? await handlerPhase(context, options.handlerRequests) : null;
  const report: EdgeBenchReport = {
    headline: headline(miniflare),
    miniflare,
    wrangler_dev: wrangler,
    breakdown: breakdown?.variants ?? null,
    handler_js: handlerJs,
    environment: await describeEdgeEnvironment(startedAt),
    settings: options,
    notes: [...notes, ...(breakdown?.notes ?? []), ...benchNotes(options)],
  };
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : summaryText(report));
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanup.run(reportError);
  await removeFolder();
}
