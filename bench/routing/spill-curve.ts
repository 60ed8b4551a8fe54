import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { SPILL_MARGIN } from '../../worker/routing/index.ts';
import { pointReport } from './point-report.ts';
import { type RunRequest, runAll } from './run-tasks.ts';
import { loadScenario, type Scenario } from './scenario-schema.ts';
import { type SpillCurvePoint, spillCurveSvg, spillCurveTable } from './spill-curve-report.ts';

// Entry point: `node bench/routing/spill-curve.ts [--objectives 15000,8000] [--margins 0,0.5]`. The
// edge policy on the spill point at several objectives and margins against pure fastest, one row
// each (cost ratio vs attainment gap): Markdown table on stdout, SVG beside this file.

const program = new Command()
  .name('spill-curve')
  .description('Spill by cost: the edge at several objectives and margins vs pure fastest.')
  .option(
    '--scenario <file>',
    'spill scenario',
    fileURLToPath(new URL('./scenarios/spill-owned-70.json', import.meta.url)),
  )
  .option('--objectives <ms>', 'comma-separated objectives, ms (default: the scenario’s)', list)
  .option('--margins <m>', 'comma-separated margins (default: 0,0.1,SPILL_MARGIN,0.5,1)', list)
  .option('--seed <n>', 'one seed instead of the scenario’s', Number)
  .option('--jobs <n>', 'jobs per seed', Number)
  .option('--workers <n>', 'worker threads', Number, Math.min(2, availableParallelism()))
  .option(
    '--svg <file>',
    'where to write the SVG',
    fileURLToPath(new URL('./spill-curve.svg', import.meta.url)),
  )
  .option('--no-svg', 'do not write the SVG')
  .option('--json', 'print JSON instead of the table')
  .parse();

const options = program.opts<{
  scenario: string;
  objectives?: number[];
  margins?: number[];
  seed?: number;
  jobs?: number;
  workers: number;
  svg: string | false;
  json?: boolean;
}>();

function list(value: string): number[] {
  return value.split(',').map((part) => {
    const number = Number(part);
    if (!Number.isFinite(number) || number < 0) throw new Error(`not a non-negative number: ${part}`);
    return number;
  });
}

const base = await loadScenario(options.scenario);
const scenario: Scenario = {
  ...base,
  seeds: options.seed === undefined ? base.seeds : [options.seed],
  jobsPerSeed: options.jobs ?? base.jobsPerSeed,
  warmupJobs: options.jobs ? Math.min(base.warmupJobs, Math.floor(options.jobs / 10)) : base.warmupJobs,
};
const objectives = options.objectives ?? [scenario.objectiveMs ?? 8_000];
const margins = options.margins ?? [0, 0.1, SPILL_MARGIN, 0.5, 1];
const variants = objectives.flatMap((objectiveMs) =>
  margins.map((spillMargin) => ({ ...scenario, objectiveMs, spillMargin })),
);
const fastest: RunRequest[] = scenario.seeds.map((seed) => ({ scenario, policy: 'fastest', seed }));
const edge: RunRequest[] = variants.flatMap((variant) =>
  variant.seeds.map((seed) => ({ scenario: variant, policy: 'edge' as const, seed })),
);
const runs = await runAll([...fastest, ...edge], options.workers, (done, total) =>
  process.stderr.write(`[spill-curve] ${done}/${total} runs\n`),
);
const fastestRuns = runs.slice(0, fastest.length);
const points: SpillCurvePoint[] = variants.map((variant, at) => {
  const edgeRuns = runs.slice(fastest.length + at * scenario.seeds.length).slice(0, scenario.seeds.length);
  const report = pointReport(variant, [...fastestRuns, ...edgeRuns]);
  const [edgeFigures, fastestFigures] = [report.policies.edge, report.policies.fastest];
  return {
    objective_ms: variant.objectiveMs,
    margin: variant.spillMargin,
    edge_attainment: edgeFigures?.objective_attainment ?? null,
    fastest_attainment: fastestFigures?.objective_attainment ?? null,
    edge_cost_per_image: edgeFigures?.cost_per_image ?? null,
    fastest_cost_per_image: fastestFigures?.cost_per_image ?? null,
    edge_priced_share: edgeFigures?.priced_image_share ?? null,
    edge_p99_ms: edgeFigures?.p99_ms ?? null,
    fastest_p99_ms: fastestFigures?.p99_ms ?? null,
  };
});
if (options.svg !== false) await writeFile(options.svg, spillCurveSvg(points, scenario.name));
process.stdout.write(options.json ? `${JSON.stringify(points, null, 2)}\n` : spillCurveTable(points));
