import type { Headline } from './headline.ts';
import type { PointReport } from './point-report.ts';
import { policyNames } from './scenario-schema.ts';

/** A plain-text view of the report: the headline, then p99 / oracle per point and policy. */
export function summaryTable(headline: Headline, points: readonly PointReport[]): string {
  const lines = ['headline:'];
  for (const [name, target] of Object.entries(headline.targets)) {
    const value = (headline as unknown as Record<string, unknown>)[name];
    const verdict = target.met === null ? 'n/a' : target.met ? 'met' : 'NOT met';
    lines.push(`  ${name.padEnd(36)} ${String(value).padStart(8)}  target ${target.target}  ${verdict}`);
  }
  lines.push('', `p99 / oracle p99 (oracle p99 in ms)`);
  lines.push(
    [
      'point'.padEnd(22),
      'oracle'.padStart(8),
      ...policyNames.slice(1).map((name) => name.slice(0, 12).padStart(13)),
    ].join(''),
  );
  for (const point of points) {
    const oracle = point.policies.oracle?.p99_ms;
    lines.push(
      [
        point.name.padEnd(22),
        String(oracle === undefined || oracle === null ? '-' : Math.round(oracle)).padStart(8),
        ...policyNames
          .slice(1)
          .map((name) => String(point.policies[name]?.p99_over_oracle ?? '-').padStart(13)),
      ].join(''),
    );
  }
  for (const point of points) {
    if (point.oracle_beaten_by.length > 0)
      lines.push(
        `${point.name}: the oracle is beaten by ${point.oracle_beaten_by.join(', ')} (greedy, not a lower bound)`,
      );
  }
  return `${lines.join('\n')}\n`;
}
