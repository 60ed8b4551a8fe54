/// <reference path="../../test/support/parse-prometheus-text-format.d.ts" />
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { type MetricFamily, prometheusText } from './prometheus-text.ts';

const families: MetricFamily[] = [
  {
    name: 'spillway_requests_total',
    help: 'Requests.\nSecond line with a \\ backslash.',
    type: 'counter',
    samples: [
      { labels: { route: 'generation', tier: 'paid', code: '' }, value: 3 },
      { labels: { route: 'generation', tier: 'free', code: 'say "hi"\\\nnext' }, value: 1 },
    ],
  },
  {
    name: 'spillway_pool_queued',
    help: 'Queued.',
    type: 'gauge',
    samples: [
      { labels: {}, value: 2.5 },
      { labels: { pool: 'nan' }, value: Number.NaN },
      { labels: { pool: 'inf' }, value: Number.POSITIVE_INFINITY },
    ],
  },
  {
    name: 'spillway_request_duration_seconds',
    help: 'Durations.',
    type: 'histogram',
    samples: [
      {
        labels: { route: 'generation' },
        buckets: [
          { le: 0.5, count: 1 },
          { le: 1, count: 3 },
        ],
        sum: 2.75,
        count: 4,
      },
    ],
  },
];

describe('prometheus text: the exposition format 0.0.4', () => {
  it('prometheus text: writes HELP and TYPE, escapes labels and help, and spells special values', () => {
    const text = prometheusText(families);
    expect(text).toContain('# HELP spillway_requests_total Requests.\\nSecond line with a \\\\ backslash.\n');
    expect(text).toContain('# TYPE spillway_requests_total counter\n');
    expect(text).toContain('spillway_requests_total{route="generation",tier="paid",code=""} 3\n');
    expect(text).toContain('code="say \\"hi\\"\\\\\\nnext"} 1\n');
    expect(text).toContain('spillway_pool_queued 2.5\n');
    expect(text).toContain('spillway_pool_queued{pool="nan"} NaN\n');
    expect(text).toContain('spillway_pool_queued{pool="inf"} +Inf\n');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('prometheus text: a histogram has cumulative buckets, le="+Inf" equal to _count, _sum and _count', () => {
    const text = prometheusText(families);
    expect(text).toContain('spillway_request_duration_seconds_bucket{route="generation",le="0.5"} 1\n');
    expect(text).toContain('spillway_request_duration_seconds_bucket{route="generation",le="1"} 3\n');
    expect(text).toContain('spillway_request_duration_seconds_bucket{route="generation",le="+Inf"} 4\n');
    expect(text).toContain('spillway_request_duration_seconds_sum{route="generation"} 2.75\n');
    expect(text).toContain('spillway_request_duration_seconds_count{route="generation"} 4\n');
  });

  it('prometheus text: a parser reads back every family, label value and histogram', () => {
    // The parser folds a histogram's count and sum only for an unlabelled series.
    const [counter, gauge, histogram] = families;
    if (histogram?.type !== 'histogram' || !counter || !gauge) throw new Error('fixture changed');
    const unlabelled: MetricFamily = {
      ...histogram,
      samples: histogram.samples.map((sample) => ({ ...sample, labels: {} })),
    };
    const parsed = parsePrometheusTextFormat(prometheusText([counter, gauge, unlabelled]));
    expect(parsed.map((family) => [family.name, family.type])).toEqual([
      ['spillway_requests_total', 'COUNTER'],
      ['spillway_pool_queued', 'GAUGE'],
      ['spillway_request_duration_seconds', 'HISTOGRAM'],
    ]);
    const counted = parsed[0]?.metrics ?? [];
    expect(counted[1]?.labels?.code).toBe('say "hi"\\\nnext');
    expect(counted[0]?.value).toBe('3');
    const read = parsed[2]?.metrics[0];
    expect(read?.buckets).toEqual({ '0.5': '1', '1': '3', '+Inf': '4' });
    expect(read?.count).toBe('4');
    expect(read?.sum).toBe('2.75');
  });

  it('prometheus text: refuses a metric or label name the format cannot carry', () => {
    const gauge = (name: string, label: string): MetricFamily => ({
      name,
      help: 'x',
      type: 'gauge',
      samples: [{ labels: { [label]: 'v' }, value: 1 }],
    });
    expect(() => prometheusText([gauge('bad-name', 'ok')])).toThrow(/metric name/);
    expect(() => prometheusText([gauge('good', 'bad-label')])).toThrow(/label name/);
    expect(() => prometheusText([gauge('good', '__reserved')])).toThrow(/label name/);
  });
});
