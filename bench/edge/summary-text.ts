import type { EdgeBenchReport } from './edge-report.ts';
import type { PathResult } from './measure-paths.ts';

const ms = (value: number | null | undefined) =>
  value == null ? '   n/a' : `${value.toFixed(3)}`.padStart(6);

function pathLine(name: string, path: PathResult | null): string {
  if (!path) return `  ${name.padEnd(26)} n/a`;
  const added = path.added_p50_ms === null ? '' : `  +${ms(path.added_p50_ms).trim()} over direct`;
  const cpu = path.cpu_ms_per_request_loaded
    ? `  cpu/req ${Object.entries(path.cpu_ms_per_request_loaded)
        .map(([process, value]) => `${process} ${ms(value).trim()}`)
        .join(', ')}`
    : '';
  const stalls = path.loaded_stalls
    ? `  stalls ${path.loaded_stalls.count}/${path.loaded_stalls.window_s} s`
    : '';
  return `  ${name.padEnd(26)} p50 ${ms(path.p50_ms)}  p99 ${ms(path.p99_ms)}  ${String(path.rps).padStart(5)} rps  loaded p99 ${ms(path.loaded_p99_ms)}${stalls}  err ${path.errors}${added}${cpu}`;
}

/** The readable summary printed without `--json`. */
export function summaryText(report: EdgeBenchReport): string {
  const { headline, miniflare, wrangler_dev: wrangler, breakdown } = report;
  const verdict = (met: boolean | null) => (met === null ? 'n/a' : met ? 'met' : 'MISSED');
  const lines = [
    'Spillway edge overhead against an instant upstream (ms; rps at the bench’s client count)',
    `  added p50 over bare (Miniflare):   ${ms(headline.added_p50_ms_over_bare)} ms  target ${headline.targets.added_p50_ms_over_bare}  ${verdict(headline.met.added_p50_ms_over_bare)}`,
    `  throughput ratio over bare:        ${headline.throughput_ratio_over_bare ?? 'n/a'}  target ${headline.targets.throughput_ratio_over_bare}  ${verdict(headline.met.throughput_ratio_over_bare)}`,
    `  npm start added p50 (over direct): ${ms(headline.npm_start_added_p50_ms)} ms`,
    `  throughput ratio over Portkey:     ${headline.throughput_ratio_over_portkey ?? 'n/a'}  target ${headline.targets.throughput_ratio_over_portkey}  ${verdict(headline.met.throughput_ratio_over_portkey)}`,
    `  loaded p99 over Portkey:           ${headline.loaded_p99_over_portkey ?? 'n/a'}  target ${headline.targets.loaded_p99_over_portkey}  ${verdict(headline.met.loaded_p99_over_portkey)}`,
    '',
    'Miniflare (workerd)',
    pathLine('direct (upstream)', miniflare.direct),
    pathLine('bare passthrough', miniflare.bare),
    pathLine('spillway', miniflare.spillway),
    pathLine('portkey (Node)', miniflare.portkey),
    '',
    'wrangler dev --local',
    ...(wrangler
      ? [
          pathLine('direct (upstream)', wrangler.direct),
          pathLine('bare passthrough', wrangler.bare),
          pathLine('spillway', wrangler.spillway),
        ]
      : ['  skipped or failed (see notes)']),
  ];
  if (breakdown) {
    lines.push('', 'Breakdown (variants side by side; saved = full p50 − variant p50)');
    for (const [name, variant] of Object.entries(breakdown)) {
      lines.push(
        `${pathLine(name, variant)}  saved ${ms(variant.p50_saved_ms)} ms  rps×${variant.rps_over_full ?? 'n/a'}`,
      );
    }
  }
  if (report.handler_js) {
    lines.push('', 'Edge app JS per request in Node, stubbed I/O (µs wall; saved = full − variant)');
    for (const [name, variant] of Object.entries(report.handler_js)) {
      lines.push(
        `  ${name.padEnd(26)} ${variant.wall_us_per_request.toFixed(1).padStart(7)} µs  cpu ${variant.cpu_us_per_request.toFixed(1).padStart(7)} µs  saved ${variant.saved_us_per_request ?? 'n/a'}`,
      );
    }
  }
  if (report.notes.length > 0) lines.push('', 'Notes', ...report.notes.map((note) => `  - ${note}`));
  return `${lines.join('\n')}\n`;
}
