import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cellStatus, replicaStatus, treeStatus } from '../test-support/tree-status.ts';
import { explain, formatMs, renderTree } from './tree-view.ts';

const plain = (lines: string[]) => lines.map((l) => stripVTControlCharacters(l).trimEnd());

describe('formatMs', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [999, '999ms'],
    [1000, '1s'],
    [12_400, '12s'],
    [59_999, '59s'],
    [60_000, '1m 0s'],
    [185_000, '3m 5s'],
    [3_599_999, '59m 59s'],
    [3_600_000, '1h 0m'],
    [7_260_000, '2h 1m'],
    [90_000_000, '25h 0m'],
  ])('%i ms is %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });
});

describe('explain', () => {
  const tail = (logTail: string[]) => ({ cause: null, logTail });

  it('shows the cause the nucleus found, alone: the error message, not the Node version footer', () => {
    expect(explain({ cause: 'Error: listen EADDRINUSE 127.0.0.1:8080', logTail: ["  code: 'EADDRINUSE',", '}', 'Node.js v24.21.0'] })).toEqual(['Error: listen EADDRINUSE 127.0.0.1:8080']);
  });

  it('without a cause, picks the last error line (not a stack frame) and the last line', () => {
    const lines = ['starting', 'TypeError: first', '    at a (x.ts:1:1)', 'Error: boom at start', '    at main (main.ts:3:7)', 'exiting'];
    expect(explain(tail(lines))).toEqual(['Error: boom at start', 'exiting']);
  });

  it('gives the last line once when it is the error', () => {
    expect(explain(tail(['ok', 'RangeError: out of range']))).toEqual(['RangeError: out of range']);
  });

  it('recognises FATAL and exceptions, and falls back to the last line alone', () => {
    expect(explain(tail(['FATAL: cannot bind', 'bye']))).toEqual(['FATAL: cannot bind', 'bye']);
    expect(explain(tail(['Uncaught Exception: x', 'bye']))).toEqual(['Uncaught Exception: x', 'bye']);
    expect(explain(tail(['all fine', 'still fine']))).toEqual(['still fine']);
    expect(explain(tail([]))).toEqual([]);
  });
});

describe('renderTree', () => {
  const shop = treeStatus([
    cellStatus('shop', { state: 'group', parent: null }),
    cellStatus('orders', { parent: 'shop' }),
    cellStatus('inventory', {
      parent: 'shop',
      state: 'degraded',
      replicasWanted: 2,
      replicas: [replicaStatus('inventory-0'), replicaStatus('inventory-1', { state: 'backoff', pid: null, uptimeMs: null, rssBytes: null, restarts: 2 })],
    }),
    cellStatus('stock', { parent: 'inventory', version: '12.0.3' }),
    cellStatus('mailer', { parent: 'shop', state: 'idle', idleTimeoutMs: 600_000, replicas: [replicaStatus('mailer-0', { state: 'idle', pid: null })] }),
  ]);

  it('nests cells under their parents with branches, version, state and ready/wanted replicas', () => {
    const lines = plain(renderTree(shop, { replicas: false }));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^shop\s+1\.0\.0\s+group$/);
    expect(lines[1]).toMatch(/^├─ orders\s+1\.0\.0\s+ready\s+1\/1$/);
    expect(lines[2]).toMatch(/^├─ inventory\s+1\.0\.0\s+degraded\s+1\/2$/);
    expect(lines[3]).toMatch(/^│ {2}└─ stock\s+12\.0\.3\s+ready\s+1\/1$/);
    expect(lines[4]).toMatch(/^└─ mailer\s+1\.0\.0\s+idle\s+0\/1\s+\(exited after 10m 0s idle; starts on the next call\)$/);
  });

  it('aligns every version and every state in one column', () => {
    const lines = plain(renderTree(shop, { replicas: false }));
    expect(new Set(lines.map((l) => l.search(/\d+\.\d+\.\d+/))).size).toBe(1);
    const column = lines.map((l) => l.search(/(group|ready|degraded|idle)/));
    expect(new Set(column).size).toBe(1);
  });

  it('with replicas, adds a line per replica: state, pid, restarts, uptime, memory, socket', () => {
    const lines = plain(renderTree(shop, { replicas: true }));
    const ready = lines.find((l) => l.includes('· orders-0'));
    expect(ready).toMatch(/ready\s+pid 4000\s+restarts 0\s+up 5s\s+64 MiB\s+run\/orders-0\.sock$/);
    const waiting = lines.find((l) => l.includes('· inventory-1'));
    expect(waiting).toMatch(/backoff\s+restarts 2\s+run\/inventory-1\.sock$/);
    expect(waiting).not.toContain('pid');
    // Replicas sit under their cell, children of a cell after its replicas.
    expect(lines.findIndex((l) => l.includes('· inventory-1'))).toBeLessThan(lines.findIndex((l) => l.includes('stock ')));
  });

  it('explains why a replica that is not ready last exited', () => {
    const at = Date.now() - 3000;
    const status = treeStatus([
      cellStatus('payments', {
        state: 'failed',
        failure: 'crashed 6 times within 60s',
        replicas: [
          replicaStatus('payments-0', {
            state: 'failed',
            pid: null,
            lastExit: { code: 1, signal: null, reason: 'crash', at, cause: null, logTail: ['booting', 'Error: cannot read config', '    at main (main.ts:1:1)', 'exiting'] },
          }),
        ],
      }),
    ]);
    const lines = plain(renderTree(status, { replicas: true }));
    expect(lines[0]).toMatch(/^payments\s+1\.0\.0\s+failed\s+0\/1\s+crashed 6 times within 60s$/);
    const exit = lines.findIndex((l) => l.includes('last exit: crash (code 1)'));
    expect(exit).toBeGreaterThan(0);
    expect(lines[exit]).toMatch(/last exit: crash \(code 1\) \d+s ago$/);
    expect(lines.slice(exit + 1).map((l) => l.trim())).toEqual(['Error: cannot read config', 'exiting']);
  });

  it('names a signal rather than an exit code, and says when limits are not enforced', () => {
    const status = treeStatus([
      cellStatus('eater', {
        state: 'starting',
        limits: { memoryBytes: 64 * 2 ** 20, cpu: null, enforcedBy: 'none', warning: 'no cgroup delegation' },
        replicas: [replicaStatus('eater-0', { state: 'starting', lastExit: { code: null, signal: 'SIGKILL', reason: 'oom', at: Date.now(), cause: null, logTail: [] } })],
      }),
    ]);
    const lines = plain(renderTree(status, { replicas: true }));
    expect(lines[0]).toMatch(/starting\s+0\/1\s+\(limits not enforced\)$/);
    expect(lines.some((l) => /last exit: oom \(SIGKILL\)/.test(l))).toBe(true);
  });

  it('hides the exit of a replica that is ready again', () => {
    const status = treeStatus([cellStatus('orders', { replicas: [replicaStatus('orders-0', { restarts: 1, lastExit: { code: 1, signal: null, reason: 'crash', at: Date.now(), cause: 'Error: x', logTail: ['Error: x'] } })] })]);
    expect(plain(renderTree(status, { replicas: true })).some((l) => l.includes('last exit'))).toBe(false);
  });
});
