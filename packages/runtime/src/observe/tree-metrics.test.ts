import { describe, expect, it } from 'vitest';
import type { TreeStatus } from '@cell/host';
import { cpuSecondsOf, TreeMetrics } from './tree-metrics.ts';

type Replica = TreeStatus['cells'][number]['replicas'][number];

const replica = (id: string, over: Partial<Replica>): Replica => ({
  id,
  index: Number(id.split('-').at(-1)),
  state: 'ready',
  pid: null,
  restarts: 0,
  startedAt: null,
  uptimeMs: null,
  rssBytes: null,
  socket: `run/${id}.sock`,
  ports: {},
  axonPort: null,
  logError: null,
  calls: null,
  lastExit: null,
  ...over,
});

function status(replicas: Replica[]): TreeStatus {
  return {
    version: 1,
    root: '/trees/shop',
    nucleus: { pid: 1, startedAt: 0, uptimeMs: 1, phase: 'running' },
    cells: [
      {
        name: 'orders',
        version: '2.1.0',
        dir: '/trees/shop/cells/orders',
        parent: null,
        state: 'degraded',
        replicasWanted: 2,
        idleTimeoutMs: null,
        limits: { memoryBytes: null, cpu: null, enforcedBy: 'none', warning: null },
        replicas,
        failure: null,
        methods: {
          place: { ok: 7, errors: { OutOfStock: 2 }, buckets: [1, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], sumMs: 9.5 },
        },
        deps: {
          stock: [{ endpoint: '/trees/shop/cells/stock/run/stock-0.sock', local: true, node: null, connected: true, latencyMs: 0.25, inFlight: 3, score: 1.5, calls: 1200, share: 1 }],
        },
      },
    ],
    gateway: null,
    metrics: null,
    dashboard: null,
    network: null,
  };
}

/** The value of one sample line, by its exact name and labels. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('TreeMetrics', () => {
  it('exposes cells, replicas (state, restarts, CPU, memory, last exit) and the racer view of dependencies', async () => {
    const metrics = new TreeMetrics();
    const text = await metrics.render(
      status([
        replica('orders-0', { pid: process.pid, restarts: 2, rssBytes: 50_000_000, startedAt: 1_700_000_000_000, calls: { served: 10, failed: 1, inFlight: 3, connections: 2, axonConnections: 1, buckets: [] } }),
        replica('orders-1', { state: 'backoff', restarts: 5, lastExit: { code: null, signal: 'SIGKILL', reason: 'oom', at: 1_700_000_100_000, cause: null, logTail: [] } }),
      ]),
    );
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(text, 'cell_info{cell="orders",version="2.1.0"}')).toBe(1);
    expect(sample(text, 'cell_state{cell="orders",state="degraded"}')).toBe(1);
    expect(sample(text, 'cell_replicas_wanted{cell="orders"}')).toBe(2);
    expect(sample(text, 'cell_replica_up{cell="orders",replica="orders-0"}')).toBe(1);
    expect(sample(text, 'cell_replica_up{cell="orders",replica="orders-1"}')).toBe(0);
    expect(sample(text, 'cell_replica_state{cell="orders",replica="orders-1",state="backoff"}')).toBe(1);
    expect(sample(text, 'cell_replica_restarts_total{cell="orders",replica="orders-1"}')).toBe(5);
    expect(sample(text, 'cell_replica_resident_memory_bytes{cell="orders",replica="orders-0"}')).toBe(50_000_000);
    expect(sample(text, 'cell_replica_calls_in_flight{cell="orders",replica="orders-0"}')).toBe(3);
    expect(sample(text, 'cell_replica_connections{cell="orders",replica="orders-0"}')).toBe(2);
    expect(sample(text, 'cell_replica_axon_connections{cell="orders",replica="orders-0"}')).toBe(1);
    expect(sample(text, 'cell_replica_calls_in_flight{cell="orders",replica="orders-1"}')).toBeUndefined(); // it reported nothing
    expect(sample(text, 'cell_replica_start_time_seconds{cell="orders",replica="orders-0"}')).toBe(1_700_000_000);
    expect(sample(text, 'cell_replica_cpu_seconds_total{cell="orders",replica="orders-0"}')).toBeGreaterThan(0);
    expect(sample(text, 'cell_replica_last_exit_time_seconds{cell="orders",replica="orders-1",reason="oom"}')).toBe(1_700_000_100);
    const dep = '{cell="orders",dependency="stock",endpoint="/trees/shop/cells/stock/run/stock-0.sock"}';
    expect(sample(text, `cell_dependency_candidate_latency_seconds${dep}`)).toBe(0.00025);
    expect(sample(text, `cell_dependency_candidate_calls_in_flight${dep}`)).toBe(3);
    expect(sample(text, `cell_dependency_candidate_calls_total${dep}`)).toBe(1200);
    expect(sample(text, 'cell_calls_total{cell="orders",method="place",outcome="ok"}')).toBe(7);
    expect(sample(text, 'cell_calls_total{cell="orders",method="place",outcome="error"}')).toBe(2);
    expect(sample(text, 'cell_call_errors_total{cell="orders",method="place",code="OutOfStock"}')).toBe(2);
    expect(sample(text, 'cell_call_duration_seconds_bucket{cell="orders",method="place",le="0.0001"}')).toBe(1);
    expect(sample(text, 'cell_call_duration_seconds_bucket{cell="orders",method="place",le="0.001"}')).toBe(7);
    expect(sample(text, 'cell_call_duration_seconds_bucket{cell="orders",method="place",le="10"}')).toBe(7);
    expect(sample(text, 'cell_call_duration_seconds_bucket{cell="orders",method="place",le="+Inf"}')).toBe(9);
    expect(sample(text, 'cell_call_duration_seconds_count{cell="orders",method="place"}')).toBe(9);
    expect(sample(text, 'cell_call_duration_seconds_sum{cell="orders",method="place"}')).toBe(0.0095);
    expect(text).toContain('# TYPE cell_call_duration_seconds histogram');
    expect(text).toContain('# TYPE cell_replica_restarts_total counter');
    expect(text).toContain('cell_nucleus_process_cpu_seconds_total');
  });

  it('forgets what is gone: each render reflects only the status it is given', async () => {
    const metrics = new TreeMetrics();
    await metrics.render(status([replica('orders-0', {}), replica('orders-1', {})]));
    const text = await metrics.render(status([replica('orders-0', {})]));
    expect(sample(text, 'cell_replica_up{cell="orders",replica="orders-0"}')).toBe(1);
    expect(text).not.toContain('replica="orders-1"');
  });

  it('reads a live process CPU time, and none for a process that is gone', () => {
    expect(cpuSecondsOf(process.pid)).toBeGreaterThan(0);
    expect(cpuSecondsOf(2 ** 30)).toBeNull();
  });
});
