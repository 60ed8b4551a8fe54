declare module 'parse-prometheus-text-format' {
  /** One sample of a metric family; histograms carry buckets, count and sum. */
  export interface PrometheusSample {
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  /** A metric family as parsed from the text exposition format. */
  export interface PrometheusFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: PrometheusSample[];
  }
  /** Parses Prometheus text exposition format. */
  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}
