/**
 * A writer for the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). prom-client needs Node APIs;
 * this is the small part the edge needs, with the format's escaping.
 */

/** The `Content-Type` of the format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label names to values. */
export type Labels = Readonly<Record<string, string>>;

/** One sample of a counter or gauge. */
export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

/** One histogram series: cumulative counts at each upper bound (the `+Inf` one is `count`). */
export interface HistogramSample {
  readonly labels: Labels;
  /** Upper bounds in increasing order, each with the number of observations ≤ it. */
  readonly buckets: ReadonlyArray<{ readonly le: number; readonly count: number }>;
  readonly sum: number;
  readonly count: number;
}

/** A metric family: one HELP, one TYPE, its samples. */
export type MetricFamily =
  | {
      readonly name: string;
      readonly help: string;
      readonly type: 'counter' | 'gauge';
      readonly samples: readonly Sample[];
    }
  | {
      readonly name: string;
      readonly help: string;
      readonly type: 'histogram';
      readonly samples: readonly HistogramSample[];
    };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Writes families as exposition text, each with its HELP and TYPE lines.
 * @example
 * prometheusText([{ name: 'up', help: 'Up.', type: 'gauge', samples: [{ labels: {}, value: 1 }] }]);
 * // '# HELP up Up.\n# TYPE up gauge\nup 1\n'
 */
export function prometheusText(families: readonly MetricFamily[]): string {
  let text = '';
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name ${family.name}`);
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    if (family.type === 'histogram') {
      for (const sample of family.samples) text += histogramLines(family.name, sample);
    } else {
      for (const sample of family.samples) text += line(family.name, sample.labels, sample.value);
    }
  }
  return text;
}

function histogramLines(name: string, sample: HistogramSample): string {
  let text = '';
  for (const bucket of sample.buckets) {
    text += line(`${name}_bucket`, { ...sample.labels, le: formatValue(bucket.le) }, bucket.count);
  }
  text += line(`${name}_bucket`, { ...sample.labels, le: '+Inf' }, sample.count);
  text += line(`${name}_sum`, sample.labels, sample.sum);
  text += line(`${name}_count`, sample.labels, sample.count);
  return text;
}

function line(name: string, labels: Labels, value: number): string {
  const pairs = Object.entries(labels).map(([label, labelValue]) => {
    if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new Error(`invalid label name ${label}`);
    return `${label}="${escapeLabelValue(labelValue)}"`;
  });
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}\n`;
}

/** Label values escape backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Go's float syntax as Prometheus reads it: `+Inf`, `-Inf`, `NaN`, else the number. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
