import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CellError } from '@cell/protocol';
import { cellToml, tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { TreeWatch, type WatchActions, type WatchEvent } from './tree-watch.ts';

describe('TreeWatch', () => {
  const defer = useTeardown();

  function setup(options: { genomeChanged?: string[]; failing?: string[] } = {}) {
    const root = tempDir(defer, {
      'cell.toml': cellToml('app', { entry: false }),
      'cells/store/cell.toml': cellToml('store'),
      'cells/store/src/main.ts': '',
      'cells/api/cell.toml': cellToml('api', { extra: '[deps]\nstore = "../store"\n' }),
      'cells/api/src/main.ts': '',
      'cells/web/cell.toml': cellToml('web'),
      'cells/web/src/main.ts': '',
    });
    const calls: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const name = (dir: string) => dir.slice(dir.lastIndexOf('/') + 1);
    const act = async (what: string, dir: string) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      calls.push(`${what} ${name(dir)}`);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      if (options.failing?.includes(name(dir))) throw new CellError('CELL_E_TYPECHECK_FAILED', `${name(dir)} does not type-check:\n  src/main.ts(1,1): error TS2322`);
    };
    const actions: WatchActions = {
      reload: (dir) => act('reload', dir),
      reloadWithConsumers: async (dir) => {
        await act('reload-with-consumers', dir);
        return { consumers: [{ cell: 'api' }] };
      },
      genomeChanged: async (node) => options.genomeChanged?.includes(node.name) ?? false,
    };
    const events: WatchEvent[] = [];
    const watch = new TreeWatch(root, actions, (e) => events.push(e));
    const file = (cell: string) => join(root, 'cells', cell, 'src/main.ts');
    return { root, watch, calls, events, file, maxInFlight: () => maxInFlight };
  }

  it('reloads each cell a batch concerns, producers first; groups have nothing to reload', async () => {
    const { watch, calls, events, file, root } = setup();
    await watch.enqueue([file('api'), file('store'), join(root, 'README.md')]);
    expect(calls).toEqual(['reload store', 'reload api']);
    expect(events.map((e) => e.kind)).toEqual(['changed', 'reloaded', 'reloaded']);
    expect(events[0]).toMatchObject({ kind: 'changed', cells: ['store', 'api'] });
  });

  it('a producer whose contract changed moves its consumers with it, each reloaded once', async () => {
    const { watch, calls, events, file } = setup({ genomeChanged: ['store'] });
    await watch.enqueue([file('store'), file('api')]);
    expect(calls).toEqual(['reload-with-consumers store']);
    expect(events.at(-1)).toMatchObject({ kind: 'reloaded', cell: 'store', consumers: ['api'] });
  });

  it('a refused cell is reported with its error and the others still reload', async () => {
    const { watch, calls, events, file } = setup({ failing: ['store'] });
    await watch.enqueue([file('store'), file('web')]);
    expect(calls).toEqual(['reload store', 'reload web']);
    const refused = events.find((e) => e.kind === 'refused');
    expect(refused).toMatchObject({ cell: 'store', error: { code: 'CELL_E_TYPECHECK_FAILED' } });
    expect(events.at(-1)).toMatchObject({ kind: 'reloaded', cell: 'web' });
  });

  it('batches run one at a time; what changes meanwhile is the next batch', async () => {
    const { watch, calls, file, maxInFlight } = setup();
    const first = watch.enqueue([file('web')]);
    const second = watch.enqueue([file('api')]);
    await Promise.all([first, second]);
    expect(calls).toEqual(['reload web', 'reload api']);
    expect(maxInFlight()).toBe(1);
  });

  it('a broken cell.toml reloads nothing and says why', async () => {
    const { watch, calls, events, root } = setup();
    writeFileSync(join(root, 'cells/web/cell.toml'), '[cell]\nname = "web"\nversion = 1\n');
    await watch.enqueue([join(root, 'cells/web/cell.toml')]);
    expect(calls).toEqual([]);
    expect(events).toEqual([expect.objectContaining({ kind: 'error', error: expect.objectContaining({ code: 'CELL_E_CONFIG_INVALID' }) })]);
  });
});
