import { readdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { nonNegativeInteger, positiveInteger } from '../../cli/arguments.ts';
import { usageExit } from '../bench-flags.ts';
import { type DecisionCost, measureDecisionCost } from './decision-bench.ts';
import { headlineOf } from './headline.ts';
import { p99VersusLoadSvg } from './plot-svg.ts';
import { pointReport } from './point-report.ts';
import { type RunRequest, runAll } from './run-tasks.ts';
import {
  defaultPolicyNames,
  loadScenario,
  MIN_JOBS_PER_SEED,
  type Scenario,
  ScenarioError,
  scenarioWarnings,
} from './scenario-schema.ts';
import { summaryTable } from './summary-table.ts';

// Entry point: `npm run bench:routing -- --json [--scenario FILE] [--seed N]`. Progress goes to
// stderr; the report (JSON with --json, else a table) to stdout.

const program = new Command()
  .name('bench:routing')
  .exitOverride(usageExit)
  .description('Routing simulator: every policy on the same arrivals, p99 against the oracle.')
  .option('--json', 'print the JSON report')
  .option('--scenario <file>', 'run one scenario file instead of the default set')
  .option('--seed <n>', 'run this one seed instead of each scenario’s seeds', nonNegativeInteger)
  .option(
    '--jobs <n>',
    'override jobs per seed (quick looks; the default set uses >= 50k per point)',
    positiveInteger,
  )
  .option(
    '--workers <n>',
    'worker threads (0 = main thread)',
    nonNegativeInteger,
    Math.min(2, availableParallelism()),
  )
  .option(
    '--plot <file>',
    'where to write the p99-vs-load SVG',
    fileURLToPath(new URL('./p99-vs-load.svg', import.meta.url)),
  )
  .option('--no-plot', 'do not write the SVG')
  .option(
    '--regret',
    'also judge every first send against the exact completion on every pool (decision_regret per policy; slower)',
  )
  .option('--no-decision', 'skip the 1,000-pool decision microbenchmark (decision_us_1000_pools null)')
  .parse();

const options = program.opts<{
  json?: boolean;
  scenario?: string;
  seed?: number;
  jobs?: number;
  workers: number;
  plot: string | false;
  regret?: boolean;
  decision: boolean;
}>();
const log = (line: string) => process.stderr.write(`[bench:routing] ${line}\n`);

async function scenarios(): Promise<Scenario[]> {
  const folder = fileURLToPath(new URL('./scenarios/', import.meta.url));
  const files = options.scenario
    ? [options.scenario]
    : (await readdir(folder))
        .filter((file) => file.endsWith('.json'))
        .sort()
        .map((file) => `${folder}${file}`);
  const loaded = await Promise.all(files.map((file) => loadScenario(file)));
  for (const scenario of loaded) {
    for (const warning of scenarioWarnings(scenario)) log(`warning: ${scenario.name}: ${warning}`);
  }
  if (options.jobs !== undefined && options.jobs < MIN_JOBS_PER_SEED)
    log(
      `note: --jobs ${options.jobs} is below the ${MIN_JOBS_PER_SEED.toLocaleString('en-US')} jobs per seed a scenario file may ask for: a quick look, the targets are not meaningful`,
    );
  return loaded.map((scenario) => ({
    ...scenario,
    seeds: options.seed === undefined ? scenario.seeds : [options.seed],
    jobsPerSeed: options.jobs ?? scenario.jobsPerSeed,
    warmupJobs: options.jobs
      ? Math.min(scenario.warmupJobs, Math.floor(options.jobs / 10))
      : scenario.warmupJobs,
  }));
}

try {
  const startedAt = performance.now();
  const points = await scenarios();
  const requests: RunRequest[] = points.flatMap((scenario) =>
    (scenario.policies ?? defaultPolicyNames).flatMap((policy) =>
      scenario.seeds.map((seed) => ({ scenario, policy, seed, regret: options.regret === true })),
    ),
  );
  // The decision's cost is timed before the simulations keep both cores busy for minutes: timed
  // after them, its batches ran slower than any standalone run's (median batch 16.4 µs against
  // 10.1-15.5; fastest 10.3 against 8.4-9.4).
  let cost: DecisionCost | null = null;
  if (options.decision) {
    log('decision microbenchmark (1,000 pools)');
    cost = measureDecisionCost();
  }
  log(`${points.length} point(s), ${requests.length} runs on ${options.workers} worker thread(s)`);
  let lastLogged = 0;
  const runs = await runAll(requests, options.workers, (done, total) => {
    if (done === total || performance.now() - lastLogged > 10_000) {
      lastLogged = performance.now();
      log(`${done}/${total} runs`);
    }
  });
  const reports = points.map((scenario) =>
    pointReport(
      scenario,
      runs.filter((_, index) => requests[index]?.scenario === scenario),
    ),
  );
  const single = options.scenario !== undefined;
  // The near-linear mixed-size family: the realistic default, and the one the old prior got wrong.
  const series = reports.filter(
    (point) =>
      point.work_grid &&
      point.requests === 'mixed' &&
      point.curves === 'near-linear' &&
      point.arrivals === 'poisson' &&
      point.dispatchers === 32 &&
      point.refresh_ms === 1_000,
  );
  let plot: string | null = null;
  if (options.plot !== false && !single && series.length > 1) {
    await writeFile(
      options.plot,
      p99VersusLoadSvg(series, 'p99 vs load (mixed sizes, near-linear curves, 32 isolates, 1 s snapshots)'),
    );
    plot = options.plot;
    log(`wrote ${plot}`);
  }
  const report = {
    schema: 'spillway.bench.routing/1',
    generated_at: new Date().toISOString(),
    command: `npm run bench:routing -- ${process.argv.slice(2).join(' ')}`.trim(),
    node: process.version,
    cpus: availableParallelism(),
    workers: options.workers,
    wall_s: Math.round((performance.now() - startedAt) / 100) / 10,
    headline: headlineOf(reports, cost, single),
    decision_cost: cost,
    plot,
    points: reports,
  };
  process.stdout.write(
    options.json ? `${JSON.stringify(report, null, 2)}\n` : summaryTable(report.headline, reports),
  );
} catch (error) {
  if (error instanceof ScenarioError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
