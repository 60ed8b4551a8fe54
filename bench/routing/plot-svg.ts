import type { PointReport } from './point-report.ts';
import { type PolicyName, policyNames } from './scenario-schema.ts';

const COLORS: Record<PolicyName, string> = {
  oracle: '#000000',
  edge: '#d62728',
  'prior-edge': '#e377c2',
  'two-choices': '#1f77b4',
  'least-loaded-stale': '#ff7f0e',
  'least-busy-local': '#9467bd',
  'weighted-round-robin': '#2ca02c',
  'round-robin': '#8c564b',
  random: '#7f7f7f',
  fastest: '#17becf',
  cheapest: '#bcbd22',
};

const WIDTH = 800;
const HEIGHT = 440;
const MARGIN = { left: 70, right: 250, top: 30, bottom: 50 };

/**
 * An SVG line chart of p99 latency against offered load, one line per policy, log-scale y (the
 * load-blind policies run away by orders of magnitude near saturation).
 */
export function p99VersusLoadSvg(points: readonly PointReport[], title: string): string {
  const sorted = [...points].sort((a, b) => a.rho - b.rho);
  const values = sorted.flatMap((point) =>
    Object.values(point.policies).map((figures) => figures?.p99_ms ?? Number.NaN),
  );
  const finite = values.filter((value) => Number.isFinite(value) && value > 0);
  // Load-blind policies reach minutes; past 10x the best p99 the axis stops and they are clipped.
  const ceilingMs = Math.min(Math.max(...finite) * 1.2, Math.min(...finite) * 10);
  const low = Math.log10(Math.min(...finite) * 0.8);
  const high = Math.log10(ceilingMs);
  const rhoMin = sorted[0]?.rho ?? 0;
  const rhoMax = sorted.at(-1)?.rho ?? 1;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (rho: number) => MARGIN.left + ((rho - rhoMin) / Math.max(1e-9, rhoMax - rhoMin)) * plotWidth;
  const y = (ms: number) =>
    MARGIN.top + (1 - (Math.log10(ms) - low) / Math.max(1e-9, high - low)) * plotHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="14">${escapeXml(title)}</text>`,
  ];
  for (let decade = Math.floor(low); decade <= Math.ceil(high); decade++) {
    for (const step of [1, 2, 5]) {
      const ms = step * 10 ** decade;
      if (Math.log10(ms) < low || Math.log10(ms) > high) continue;
      parts.push(
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(ms)}" y2="${y(ms)}" stroke="#ddd"/>`,
        `<text x="${MARGIN.left - 6}" y="${y(ms) + 4}" text-anchor="end">${formatMs(ms)}</text>`,
      );
    }
  }
  for (const point of sorted) {
    parts.push(
      `<text x="${x(point.rho)}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle">${point.rho}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 12}" text-anchor="middle">offered load (share of fleet capacity)</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">p99 latency</text>`,
  );
  policyNames.forEach((name, row) => {
    const line = sorted
      .map((point) => ({ rho: point.rho, ms: point.policies[name]?.p99_ms ?? Number.NaN }))
      .filter((entry) => Number.isFinite(entry.ms) && entry.ms > 0)
      .map((entry) => `${x(entry.rho).toFixed(1)},${y(Math.min(entry.ms, ceilingMs)).toFixed(1)}`);
    const clipped = sorted.some((point) => (point.policies[name]?.p99_ms ?? 0) > ceilingMs);
    if (line.length === 0) return;
    const width = name === 'edge' || name === 'oracle' ? 3 : 1.5;
    parts.push(
      `<polyline fill="none" stroke="${COLORS[name]}" stroke-width="${width}" points="${line.join(' ')}"/>`,
      `<line x1="${WIDTH - MARGIN.right + 15}" x2="${WIDTH - MARGIN.right + 40}" y1="${MARGIN.top + 10 + row * 20}" y2="${MARGIN.top + 10 + row * 20}" stroke="${COLORS[name]}" stroke-width="${width}"/>`,
      `<text x="${WIDTH - MARGIN.right + 46}" y="${MARGIN.top + 14 + row * 20}">${name}${clipped ? ' (clipped)' : ''}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function formatMs(ms: number): string {
  return ms >= 1_000 ? `${ms / 1_000} s` : `${ms} ms`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
