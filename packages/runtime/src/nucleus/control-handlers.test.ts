import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CellTree } from '@cell/config';
import { CellError } from '@cell/protocol';
import { nucleusContract, type TreeStatus } from '@cell/host';
import { connect } from '@cell/sdk';
import { capturedLogger, tempDir, useTeardown, waitFor } from '../test-fixtures/temp-cells.ts';
import type { CellSupervisor } from './cell-supervisor.ts';
import { type ControlledTree, serveControl } from './control-handlers.ts';

const defer = useTeardown();

const STATUS: TreeStatus = { version: 1, root: '/srv/tree', nucleus: { pid: 1, startedAt: 0, uptimeMs: 5, phase: 'running' }, cells: [], gateway: null, metrics: null, dashboard: null, network: null };

/** A supervisor as the handlers see it: it starts (or fails to) and reports its replicas. */
function fakeSupervisor(name: string, start: () => Promise<void> = async () => undefined): CellSupervisor & { starts: number } {
  const sup = {
    name,
    starts: 0,
    ensureStarted() {
      sup.starts++;
      return start();
    },
    status: () => ({ replicas: [{ state: 'ready' }, { state: 'starting' }, { state: 'ready' }] }),
  };
  return sup as unknown as CellSupervisor & { starts: number };
}

/** Serves the handlers over a real control socket for `tree`; returns a client of it. */
async function control(tree: ControlledTree) {
  const socketPath = join(tempDir(defer), 'nucleus.sock');
  const membrane = await serveControl(tree, socketPath, capturedLogger().logger);
  defer(() => membrane.stop({ graceMs: 100 }));
  const client = connect(nucleusContract, { socketPath, timeoutMs: 10_000 });
  defer(() => client.$close());
  return client;
}

function fakeTree(over: Partial<ControlledTree> & { cells?: CellSupervisor[] } = {}): ControlledTree & { stops: number } {
  const tree = {
    stops: 0,
    tree: { root: undefined, nodes: [], startOrder: [] } as unknown as CellTree,
    find: (cell: string) => over.cells?.find((s) => s.name === cell),
    allSupervisors: () => over.cells ?? [],
    remoteSpans: async () => [],
    fullStatus: async () => STATUS,
    resolve: async () => ({ candidates: [], refused: [] }),
    reload: async () => ({ replaced: 0, rebuilt: false, keptMajor: null }),
    restart: async () => ({ replaced: 0 }),
    stop: async () => void tree.stops++,
    ...over,
  };
  return tree;
}

describe('control handlers', () => {
  it('status answers the tree\'s full status', async () => {
    const client = await control(fakeTree());
    expect(await client.status({})).toEqual(STATUS);
  });

  it('start of an unknown cell is NoSuchCell naming it', async () => {
    const client = await control(fakeTree());
    const r = await client.start.try({ cell: 'ghost' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('NoSuchCell');
    expect(!r.ok && r.error.details).toEqual({ cell: 'ghost' });
  });

  it('start starts the cell and answers how many replicas are ready', async () => {
    const store = fakeSupervisor('store');
    const client = await control(fakeTree({ cells: [store] }));
    expect(await client.start({ cell: 'store' })).toEqual({ ready: 2 });
    expect(store.starts).toBe(1);
  });

  it('a start that fails is StartFailed with the reason', async () => {
    const store = fakeSupervisor('store', async () => {
      throw new CellError('CELL_E_UNAVAILABLE', 'cell store failed to start: crashed 6 times');
    });
    const client = await control(fakeTree({ cells: [store] }));
    const r = await client.start.try({ cell: 'store' });
    expect(!r.ok && r.error.code).toBe('StartFailed');
    expect(!r.ok && (r.error.details as { reason: string }).reason).toContain('crashed 6 times');
  });

  it('reload of an unknown cell is NoSuchCell; a reload answers what the tree did', async () => {
    const store = fakeSupervisor('store');
    const reloaded: CellSupervisor[] = [];
    const client = await control(
      fakeTree({
        cells: [store],
        reload: async (sup) => {
          reloaded.push(sup);
          return { replaced: 2, rebuilt: true, keptMajor: 1 };
        },
      }),
    );
    const unknown = await client.reload.try({ cell: 'ghost' });
    expect(!unknown.ok && unknown.error.code).toBe('NoSuchCell');
    expect(await client.reload({ cell: 'store' })).toEqual({ replaced: 2, rebuilt: true, keptMajor: 1 });
    expect(reloaded).toEqual([store]);
  });

  it('a reload that fails is ReloadFailed carrying the cause\'s code (null for an error without one)', async () => {
    const causes: Record<string, Error> = {
      schema: new CellError('CELL_E_SCHEMA_MISMATCH', 'refused to reload store 1.1.0'),
      build: new CellError('CELL_E_BUILD_FAILED', 'build of store failed'),
      plain: new Error('disk on fire'),
    };
    const cells = Object.keys(causes).map((name) => fakeSupervisor(name));
    const client = await control(
      fakeTree({
        cells,
        reload: async (sup) => {
          throw causes[sup.name]!;
        },
      }),
    );
    const codes: Record<string, unknown> = {};
    for (const name of Object.keys(causes)) {
      const r = await client.reload.try({ cell: name });
      expect(!r.ok && r.error.code).toBe('ReloadFailed');
      codes[name] = !r.ok && (r.error.details as { code: string | null }).code;
    }
    expect(codes).toEqual({ schema: 'CELL_E_SCHEMA_MISMATCH', build: 'CELL_E_BUILD_FAILED', plain: null });
  });

  it('restart of an unknown cell is NoSuchCell; a restart answers how many replicas the tree replaced', async () => {
    const store = fakeSupervisor('store');
    const restarted: CellSupervisor[] = [];
    const client = await control(
      fakeTree({
        cells: [store],
        restart: async (sup) => {
          restarted.push(sup);
          return { replaced: 3 };
        },
      }),
    );
    const unknown = await client.restart.try({ cell: 'ghost' });
    expect(!unknown.ok && unknown.error.code).toBe('NoSuchCell');
    expect(!unknown.ok && unknown.error.details).toEqual({ cell: 'ghost' });
    expect(await client.restart({ cell: 'store' })).toEqual({ replaced: 3 });
    expect(restarted).toEqual([store]);
  });

  it("a restart that fails is RestartFailed carrying the cause's code (null for an error without one)", async () => {
    const causes: Record<string, Error> = {
      group: new CellError('CELL_E_INVALID_ARGUMENT', 'shop has no entry'),
      plain: new Error('disk on fire'),
    };
    const client = await control(
      fakeTree({
        cells: Object.keys(causes).map((name) => fakeSupervisor(name)),
        restart: async (sup) => {
          throw causes[sup.name]!;
        },
      }),
    );
    const codes: Record<string, unknown> = {};
    for (const name of Object.keys(causes)) {
      const r = await client.restart.try({ cell: name });
      expect(!r.ok && r.error.code).toBe('RestartFailed');
      codes[name] = !r.ok && (r.error.details as { code: string | null }).code;
    }
    expect(codes).toEqual({ group: 'CELL_E_INVALID_ARGUMENT', plain: null });
  });

  it('resolve passes the question to the tree and answers its trusted candidates and the nodes it refused', async () => {
    const asked: unknown[] = [];
    const trusted = '12D3KooWEx896Z4xNYLj5c2qioybsonuRfQu8EDaib7A3hMDNqJX';
    const candidate = { node: trusted, host: '127.0.0.1', port: 7701, version: '2.0.0', fingerprint: 'abc' };
    const refused = { node: '12D3KooWHFrmLWTTDD4NodngtRMEVYgxrsDMp4F9iSwYntZ9WjHa', reason: 'not trusted' };
    const client = await control(
      fakeTree({
        resolve: async (name, major, via, keys) => {
          asked.push([name, major, via, keys]);
          return { candidates: [candidate], refused: [refused] };
        },
      }),
    );
    expect(await client.resolve({ name: 'stock', major: 2, via: null, trusted: [trusted] })).toEqual({ candidates: [candidate], refused: [refused] });
    expect(await client.resolve({ name: 'stock', major: null, via: 'axon://10.0.0.7:7700', trusted: null })).toMatchObject({ candidates: [candidate] });
    expect(asked).toEqual([
      ['stock', 2, null, [trusted]],
      ['stock', null, 'axon://10.0.0.7:7700', null],
    ]);
  });

  it('stop answers at once, then stops the tree', async () => {
    const tree = fakeTree();
    const client = await control(tree);
    expect(await client.stop({})).toEqual({});
    await waitFor('the tree to be stopped', () => tree.stops === 1, 5000);
  });
});
