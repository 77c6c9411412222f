import { describe, expect, it } from 'vitest';
import { cellStatus, replicaStatus, treeStatus } from '../test-support/tree-status.ts';
import { callRows, renderCalls, renderTop, topRows } from './top-view.ts';

const status = treeStatus([
  cellStatus('orders', { replicas: [replicaStatus('orders-0', { pid: 11, rssBytes: 80 * 2 ** 20, restarts: 1 }), replicaStatus('orders-1', { pid: 12, rssBytes: 40 * 2 ** 20, state: 'backoff', uptimeMs: null })] }),
  cellStatus('stock', { replicas: [replicaStatus('stock-0', { pid: 21, rssBytes: 120 * 2 ** 20, restarts: 4 })] }),
  cellStatus('shop', { state: 'group' }),
]);
const cpu: Record<number, number> = { 11: 12.5, 12: 0, 21: 3 };
const rows = topRows(status, (pid) => cpu[pid] ?? null);
const replicaOrder = (lines: string[]) => lines.slice(4).map((l) => l.split(/\s+/)[0]);

describe('cell top view', () => {
  it('has a row per replica (groups have none) with state, pid, CPU, memory, restarts and uptime', () => {
    const lines = renderTop(status, rows, 'cpu', { width: 120, height: 40 }, new Date('2026-11-29T05:30:00Z'));
    expect(lines[0]).toBe('cell top · /trees/shop · 05:30:00 · 2/3 replicas ready · sort: cpu');
    expect(lines[1]).toContain('[c]cpu');
    expect(lines[3]).toMatch(/^REPLICA\s+STATE\s+PID\s+CPU%\s+MEM\s+RESTARTS\s+UP$/);
    expect(lines[4]).toMatch(/^orders-0\s+ready\s+11\s+12\.5\s+80\.0M\s+1\s+5s$/);
    expect(lines[6]).toMatch(/^orders-1\s+backoff\s+12\s+0\.0\s+40\.0M\s+0\s+-$/);
    expect(lines).toHaveLength(7);
  });

  it('sorts by the key chosen, names breaking ties', () => {
    expect(replicaOrder(renderTop(status, rows, 'cpu', { width: 120, height: 40 }))).toEqual(['orders-0', 'stock-0', 'orders-1']);
    expect(replicaOrder(renderTop(status, rows, 'memory', { width: 120, height: 40 }))).toEqual(['stock-0', 'orders-0', 'orders-1']);
    expect(replicaOrder(renderTop(status, rows, 'restarts', { width: 120, height: 40 }))).toEqual(['stock-0', 'orders-0', 'orders-1']);
    expect(replicaOrder(renderTop(status, rows, 'name', { width: 120, height: 40 }))).toEqual(['orders-0', 'orders-1', 'stock-0']);
    expect(renderTop(status, rows, 'memory', { width: 120, height: 40 })[1]).toContain('[m]memory');
  });

  it('fits a terminal of 80 columns with every column, and cuts lines to a narrower one', () => {
    const wide = renderTop(status, rows, 'cpu', { width: 80, height: 40 });
    expect(wide[3]).toMatch(/UP$/);
    expect(Math.max(...wide.slice(3).map((l) => l.length))).toBeLessThanOrEqual(80);
  });

  it('fits the terminal: lines cut to its width, rows to its height', () => {
    const lines = renderTop(status, rows, 'cpu', { width: 40, height: 6 });
    expect(lines).toHaveLength(5);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(40);
  });

  it('shows each cell\'s calls per second, errors per second and p50/p99 between two frames, restarts counting from zero', () => {
    const counted = (ok: number, errors: number, fast: number, slow: number) => ({ ok, errors: (errors ? { CELL_E_TIMEOUT: errors } : {}) as Record<string, number>, buckets: [fast, 0, 0, 0, 0, 0, 0, slow, 0, 0, 0, 0, 0, 0, 0, 0, 0], sumMs: 0 });
    const before = treeStatus([cellStatus('orders', { methods: { place: counted(10, 0, 10, 0) } }), cellStatus('stock', { methods: { take: counted(100, 0, 100, 0) } })]);
    const after = treeStatus([
      cellStatus('orders', { methods: { place: counted(108, 2, 99, 11) } }), // +100 calls: 89 fast, 11 slow (the 8th bucket: <= 25 ms)
      cellStatus('stock', { methods: { take: counted(4, 0, 4, 0) } }), // restarted: fewer than before
      cellStatus('shop', { state: 'group' }),
    ]);
    const rows = callRows(before, after, 2);
    expect(rows).toEqual([
      { cell: 'orders', callsPerSecond: 50, errorsPerSecond: 1, p50Ms: 0.1, p99Ms: 25 },
      { cell: 'stock', callsPerSecond: 2, errorsPerSecond: 0, p50Ms: 0.1, p99Ms: 0.1 },
    ]);
    const lines = renderCalls(rows);
    expect(lines[1]).toMatch(/^CELL\s+CALLS\/S\s+ERRORS\/S\s+P50\s+P99\s+INFL$/);
    expect(lines[2]).toMatch(/^orders\s+50\.0\s+1\.0\s+≤0\.1ms\s+≤25ms$/);
    expect(callRows(undefined, treeStatus([cellStatus('idle', { methods: { x: counted(0, 0, 0, 0) } })]), 1)).toEqual([{ cell: 'idle', callsPerSecond: 0, errorsPerSecond: 0, p50Ms: null, p99Ms: null }]);
    expect(renderCalls([])).toEqual([]);
  });

  it("follows a cell of several replicas with each replica's calls, percentiles and calls in flight (a new process counts from zero)", () => {
    const b = (fast: number, slow: number) => [fast, 0, 0, 0, 0, 0, 0, slow, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const calls = (served: number, failed: number, buckets: number[], inFlight = 0) => ({ served, failed, inFlight, connections: 1, axonConnections: 0, buckets });
    const methods = (ok: number) => ({ place: { ok, errors: {}, buckets: b(ok, 0), sumMs: 0 } });
    const before = treeStatus([cellStatus('orders', { methods: methods(150), replicas: [replicaStatus('orders-0', { pid: 11, calls: calls(100, 0, b(100, 0)) }), replicaStatus('orders-1', { pid: 12, calls: calls(50, 0, b(50, 0)) })] })]);
    const after = treeStatus([
      cellStatus('orders', {
        methods: methods(198),
        replicas: [
          replicaStatus('orders-0', { pid: 11, calls: calls(140, 2, b(100, 40), 3) }), // +40 calls, all slow, 2 failed
          replicaStatus('orders-1', { pid: 99, calls: calls(8, 0, b(8, 0)) }), // a new process: from zero
        ],
      }),
    ]);
    const rows = callRows(before, after, 2);
    expect(rows.map((r) => [r.replica ?? r.cell, r.callsPerSecond, r.errorsPerSecond, r.p99Ms, r.inFlight])).toEqual([
      ['orders', 24, 0, 0.1, undefined],
      ['orders-0', 20, 1, 25, 3],
      ['orders-1', 4, 0, 0.1, 0],
    ]);
    expect(renderCalls(rows)[3]).toMatch(/^ {2}orders-0\s+20\.0\s+1\.0\s+≤25ms\s+≤25ms\s+3$/);
    expect(callRows(undefined, treeStatus([cellStatus('solo', { methods: methods(1) })]), 1).map((r) => r.replica)).toEqual([undefined]); // one replica: the cell's line says it all
  });
});
