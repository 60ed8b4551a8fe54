/** One point of the spill trade-off curve: the edge at one objective and margin vs pure fastest. */
export interface SpillCurvePoint {
  readonly objective_ms: number;
  readonly margin: number;
  readonly edge_attainment: number | null;
  readonly fastest_attainment: number | null;
  readonly edge_cost_per_image: number | null;
  readonly fastest_cost_per_image: number | null;
  /** Share of the edge's images computed on priced pools. */
  readonly edge_priced_share: number | null;
  readonly edge_p99_ms: number | null;
  readonly fastest_p99_ms: number | null;
}

/** Fastest's attainment minus the edge's, percentage points. */
export function gapPp(point: SpillCurvePoint): number | null {
  return point.edge_attainment === null || point.fastest_attainment === null
    ? null
    : (point.fastest_attainment - point.edge_attainment) * 100;
}

/** The edge's cost per image over fastest's. */
export function costRatio(point: SpillCurvePoint): number | null {
  return point.edge_cost_per_image === null || !point.fastest_cost_per_image
    ? null
    : point.edge_cost_per_image / point.fastest_cost_per_image;
}

const fixed = (value: number | null, digits: number) => (value === null ? '-' : value.toFixed(digits));

/** A Markdown table, one row per point. */
export function spillCurveTable(points: readonly SpillCurvePoint[]): string {
  const lines = [
    '| objective | margin | fastest attainment | edge attainment | gap (pp) | fastest $/image | edge $/image | cost ratio | edge images on priced pools | p99 fastest / edge |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const point of points) {
    const percent = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(1)}%`);
    lines.push(
      `| ${point.objective_ms / 1_000} s | ${point.margin} | ${percent(point.fastest_attainment)} | ${percent(point.edge_attainment)} | ${fixed(gapPp(point), 2)} | ${fixed(point.fastest_cost_per_image, 5)} | ${fixed(point.edge_cost_per_image, 5)} | ${fixed(costRatio(point), 3)} | ${percent(point.edge_priced_share)} | ${fixed((point.fastest_p99_ms ?? Number.NaN) / 1_000, 1)} s / ${fixed((point.edge_p99_ms ?? Number.NaN) / 1_000, 1)} s |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 70, right: 30, top: 40, bottom: 50 };

/** An SVG scatter of cost ratio (y) against attainment gap (x), each point labelled with its objective and margin. */
export function spillCurveSvg(points: readonly SpillCurvePoint[], scenarioName: string): string {
  const data = points.flatMap((point) => {
    const gap = gapPp(point);
    const ratio = costRatio(point);
    return gap === null || ratio === null ? [] : [{ gap, ratio, point }];
  });
  const gaps = [...data.map((entry) => entry.gap), 0, 1];
  const xLow = Math.floor(Math.min(...gaps)) - 0.5;
  const xHigh = Math.ceil(Math.max(...gaps)) + 0.5;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (gap: number) => MARGIN.left + ((gap - xLow) / (xHigh - xLow)) * plotWidth;
  const y = (ratio: number) => MARGIN.top + (1 - ratio / 1.1) * plotHeight;
  const title = `Spill by cost (${scenarioName}): edge vs pure fastest`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${title}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="20" font-size="14">${title}</text>`,
    // The target region: gap <= 1 pp, cost ratio <= 0.7.
    `<rect x="${x(xLow)}" y="${y(0.7)}" width="${x(1) - x(xLow)}" height="${y(0) - y(0.7)}" fill="#e8f5e9"/>`,
  ];
  for (let tick = 0; tick <= 1.0001; tick += 0.2) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${y(tick) + 4}" text-anchor="end">${tick.toFixed(1)}</text>`,
    );
  }
  for (let tick = Math.ceil(xLow); tick <= xHigh; tick++) {
    parts.push(
      `<line x1="${x(tick)}" x2="${x(tick)}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="#eee"/>`,
      `<text x="${x(tick)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${tick}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 12}" text-anchor="middle">attainment gap to pure fastest (pp; lower is better)</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">cost per image / pure fastest's</text>`,
  );
  for (const { gap, ratio, point } of data) {
    parts.push(
      `<circle cx="${x(gap).toFixed(1)}" cy="${y(ratio).toFixed(1)}" r="4" fill="#d62728"/>`,
      `<text x="${(x(gap) + 6).toFixed(1)}" y="${(y(ratio) - 6).toFixed(1)}">${point.objective_ms / 1_000} s, m ${point.margin}</text>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
