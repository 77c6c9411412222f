import type { Metric, Registry } from 'prom-client';

/** One labelled histogram as counted elsewhere: per-bucket counts (not cumulative, one past the last bound) and the sum. */
export interface CountedSeries {
  labels: Record<string, string>;
  buckets: readonly number[];
  sum: number;
}

/**
 * A Prometheus histogram whose observations were counted by someone else (each cell counts its
 * own calls): prom-client's Histogram only takes observations one by one, so this renders the
 * standard `_bucket{le}`, `_sum` and `_count` series from counts it is given before each scrape.
 */
export class CountedHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: readonly number[];
  private series: CountedSeries[] = [];

  /** `bounds` are the buckets' upper bounds in the metric's unit, ascending. */
  constructor(options: { name: string; help: string; bounds: readonly number[]; registers: Registry[] }) {
    this.name = options.name;
    this.help = options.help;
    this.bounds = options.bounds;
    // prom-client renders anything with name, help, type and get(); its Metric type lists only its own classes.
    for (const r of options.registers) r.registerMetric(this as unknown as Metric);
  }

  set(series: CountedSeries[]): void {
    this.series = series;
  }

  reset(): void {
    this.series = [];
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> } {
    const values = this.series.flatMap(({ labels, buckets, sum }) => {
      let cumulative = 0;
      const rows = this.bounds.map((le, i) => {
        cumulative += buckets[i] ?? 0;
        return { metricName: `${this.name}_bucket`, labels: { ...labels, le }, value: cumulative };
      });
      const count = buckets.reduce((a, b) => a + b, 0);
      rows.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' as unknown as number }, value: count });
      return [...rows, { metricName: `${this.name}_sum`, labels, value: sum }, { metricName: `${this.name}_count`, labels, value: count }];
    });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
