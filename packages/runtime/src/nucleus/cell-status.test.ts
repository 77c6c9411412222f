import { describe, expect, it } from 'vitest';
import type { CellStatus } from '@cell/host';
import { cellToml, plainCell, tempTree, useTeardown } from '../test-fixtures/temp-cells.ts';
import { cellState, cellStatusOf, mergeDependencyStats, startOutcome } from './cell-status.ts';
import type { ReplicaProcess } from './replica-process.ts';
import { createSlots, type ReplicaState } from './replica-slot.ts';

const defer = useTeardown();

describe('cellState', () => {
  const cases: Array<[ReplicaState[], CellStatus['state']]> = [
    [['ready', 'ready'], 'ready'],
    [['ready', 'stopping'], 'stopping'],
    [['failed', 'failed'], 'failed'],
    [['idle', 'stopped'], 'idle'],
    [['idle', 'idle'], 'idle'],
    [['stopped', 'stopped'], 'stopped'],
    [['ready', 'failed'], 'degraded'],
    [['ready', 'backoff'], 'degraded'],
    [['ready', 'starting'], 'degraded'],
    [['ready', 'idle'], 'degraded'],
    [['failed', 'starting'], 'failed'],
    [['failed', 'backoff'], 'failed'],
    [['starting', 'backoff'], 'starting'],
    [['starting', 'stopped'], 'starting'],
  ];
  it.each(cases)('replicas %j make the cell %s', (states, expected) => {
    expect(cellState(true, states)).toBe(expected);
  });

  it('a cell without code is a group whatever its slots say', () => {
    expect(cellState(false, [])).toBe('group');
    expect(cellState(false, ['failed'])).toBe('group');
  });
});

type Candidate = CellStatus['deps'][string][number];
function candidate(endpoint: string, over: Partial<Candidate>): Candidate {
  return { endpoint, local: true, node: null, connected: false, latencyMs: null, inFlight: 0, score: null, calls: 0, share: 0, ...over };
}

describe('mergeDependencyStats', () => {
  it('sums each candidate over replicas and gives each its share of the calls', () => {
    const r1 = { store: [candidate('a.sock', { connected: true, latencyMs: 2, score: 3, inFlight: 1, calls: 30 })] };
    const r2 = { store: [candidate('a.sock', { calls: 10, inFlight: 2 }), candidate('b.sock', { calls: 60, connected: true })], mail: [candidate('m.sock', {})] };
    const merged = mergeDependencyStats([r1, undefined, r2]);
    expect(merged['store']).toEqual([
      candidate('a.sock', { connected: true, latencyMs: 2, score: 3, inFlight: 3, calls: 40, share: 0.4 }),
      candidate('b.sock', { connected: true, calls: 60, share: 0.6 }),
    ]);
    expect(merged['mail']).toEqual([candidate('m.sock', { share: 0 })]); // no calls yet: no share
    expect(r1.store[0]!.calls).toBe(30); // the reports are not changed
  });

  it('a later replica\'s measurements replace earlier ones where it has some', () => {
    const merged = mergeDependencyStats([{ d: [candidate('x', { latencyMs: 5, score: 5, calls: 1 })] }, { d: [candidate('x', { latencyMs: 9, score: 12, calls: 2 })] }]);
    expect(merged['d']![0]).toMatchObject({ latencyMs: 9, score: 12, calls: 3, share: 1 });
  });

  it('is empty for no reports', () => {
    expect(mergeDependencyStats([])).toEqual({});
    expect(mergeDependencyStats([undefined, {}])).toEqual({});
  });
});

describe('cellStatusOf', () => {
  const tree = () =>
    tempTree(defer, {
      'cell.toml': cellToml('root', { entry: false }),
      ...plainCell('cells/store', 'store', 'replicas = 2\n[resources]\nmemory = "64MiB"\ncpu = 0.5\n[life_cycle]\nidle_timeout = "1m"'),
      ...plainCell('cells/mail', 'mail'),
    });

  it('describes each replica: process, restarts, uptime, memory, socket relative to the cell', () => {
    const t = tree();
    const store = t.nodes.find((n) => n.name === 'store')!;
    const slots = createSlots(store);
    slots[0]!.state = 'ready';
    slots[0]!.restarts = 2;
    slots[0]!.current = { pid: 4242, startedAt: 1000, axonPort: 7777, rssBytes: () => 50_000_000 } as unknown as ReplicaProcess;
    slots[1]!.state = 'failed';
    slots[1]!.failure = 'crashed 6 times within 60000 ms';
    slots[1]!.lastExit = { code: 1, signal: null, reason: 'crash', at: 900, cause: 'Error: boom', logTail: ['Error: boom'] };
    const s = cellStatusOf({ node: store, version: '2.1.0', parent: 'root', state: 'degraded', hasProcess: true, slots, ports: undefined, isProcess: false, limitsWarning: undefined, enforcer: 'cgroup-v1' }, 4000);
    expect(s).toMatchObject({ name: 'store', version: '2.1.0', dir: store.dir, parent: 'root', state: 'degraded', replicasWanted: 2, idleTimeoutMs: 60_000, failure: 'crashed 6 times within 60000 ms', deps: {} });
    expect(s.limits).toEqual({ memoryBytes: 64 * 2 ** 20, cpu: 0.5, enforcedBy: 'cgroup-v1', warning: null });
    expect(s.replicas).toEqual([
      { id: 'store-0', index: 0, state: 'ready', pid: 4242, restarts: 2, startedAt: 1000, uptimeMs: 3000, rssBytes: 50_000_000, socket: 'run/store-0.sock', ports: {}, axonPort: 7777, logError: null, calls: null, lastExit: null },
      { id: 'store-1', index: 1, state: 'failed', pid: null, restarts: 0, startedAt: null, uptimeMs: null, rssBytes: null, socket: 'run/store-1.sock', ports: {}, axonPort: null, logError: null, calls: null, lastExit: slots[1]!.lastExit },
    ]);
  });

  it('says limits are enforced by nothing when there are none, or when enforcing them failed', () => {
    const t = tree();
    const store = t.nodes.find((n) => n.name === 'store')!;
    const mail = t.nodes.find((n) => n.name === 'mail')!;
    const base = { version: '1.0.0', parent: 'root', state: 'stopped' as const, hasProcess: true, ports: undefined, isProcess: false, enforcer: 'cgroup-v2' as const };
    const warned = cellStatusOf({ ...base, node: store, slots: createSlots(store), limitsWarning: 'no cgroup here' });
    expect(warned.limits).toMatchObject({ enforcedBy: 'none', warning: 'no cgroup here' });
    const unlimited = cellStatusOf({ ...base, node: mail, slots: createSlots(mail), limitsWarning: undefined });
    expect(unlimited.limits).toEqual({ memoryBytes: null, cpu: null, enforcedBy: 'none', warning: null });
    expect(unlimited.idleTimeoutMs).toBeNull();
  });

  it('a group has no replicas', () => {
    const t = tree();
    const s = cellStatusOf({ node: t.root, version: '1.0.0', parent: null, state: 'group', hasProcess: false, slots: createSlots(t.root), ports: undefined, isProcess: false, limitsWarning: undefined, enforcer: 'none' });
    expect(s).toMatchObject({ name: 'root', parent: null, state: 'group', replicasWanted: 0, replicas: [], failure: null });
  });
});

describe('startOutcome', () => {
  const slotsIn = (...states: ReplicaState[]) => {
    const slots = createSlots(tempTree(defer, { ...plainCell('.', 'w'), 'cell.toml': cellToml('w', { extra: `replicas = ${states.length}` }) }).root);
    states.forEach((s, i) => (slots[i]!.state = s));
    return slots;
  };

  it('is ready when every replica is, fails as soon as one failed, and is under way otherwise', () => {
    expect(startOutcome('w', slotsIn('ready', 'ready'), false)).toBe('ready');
    expect(startOutcome('w', slotsIn('ready', 'starting'), false)).toBeUndefined();
    const failed = slotsIn('ready', 'failed');
    failed[1]!.failure = 'crashed 3 times';
    expect(startOutcome('w', failed, false)).toMatchObject({ code: 'CELL_E_UNAVAILABLE', details: { cell: 'w', replica: 'w-1' } });
    expect(startOutcome('w', slotsIn('starting'), true)).toMatchObject({ code: 'CELL_E_CLOSED' });
  });
});
