import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { CountedHistogram } from './counted-histogram.ts';

describe('CountedHistogram', () => {
  it('renders counted buckets as a Prometheus histogram: cumulative buckets up to +Inf, sum and count, per label set', async () => {
    const registry = new Registry();
    const h = new CountedHistogram({ name: 'x_seconds', help: 'how long', bounds: [0.1, 1], registers: [registry] });
    h.set([
      { labels: { m: 'a' }, buckets: [2, 1, 3], sum: 12.5 },
      { labels: { m: 'b' }, buckets: [0, 0, 0], sum: 0 },
    ]);
    expect((await registry.metrics()).trim().split('\n')).toEqual([
      '# HELP x_seconds how long',
      '# TYPE x_seconds histogram',
      'x_seconds_bucket{m="a",le="0.1"} 2',
      'x_seconds_bucket{m="a",le="1"} 3',
      'x_seconds_bucket{m="a",le="+Inf"} 6',
      'x_seconds_sum{m="a"} 12.5',
      'x_seconds_count{m="a"} 6',
      'x_seconds_bucket{m="b",le="0.1"} 0',
      'x_seconds_bucket{m="b",le="1"} 0',
      'x_seconds_bucket{m="b",le="+Inf"} 0',
      'x_seconds_sum{m="b"} 0',
      'x_seconds_count{m="b"} 0',
    ]);
    h.reset();
    expect(await registry.metrics()).not.toContain('x_seconds_bucket');
  });
});
