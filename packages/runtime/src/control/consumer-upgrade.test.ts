import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Nucleus } from '../nucleus/nucleus.ts';
import { capturedLogger, cellFiles, cellToml, contractSource, errorOf, tempDir, useTeardown, within } from '../test-fixtures/temp-cells.ts';
import { reloadWithConsumers } from './consumer-upgrade.ts';
import { treeStatus } from './tree-control.ts';

const deferAll = useTeardown('all');
const LIFE = '[life_cycle]\ngrace = "1s"\n';
const GET = 'get: unary({ input: Type.Object({ sku: Type.String() }), output: Type.Integer() }),';
const GET_RENAMED = 'get: unary({ input: Type.Object({ code: Type.String() }), output: Type.Integer() }),';
/** api's entry: a test cell that also imports a module of store's (`store/src/shelf.ts`). */
const API_USING_SHELF = `import { SHELF } from '../../store/src/shelf.ts';\nconsole.log(SHELF);\n`;

describe('reloadWithConsumers (a tree running in this process)', () => {
  let root: string;
  const dirOf = (name: string) => join(root, 'cells', name);
  const pids = async () => Object.fromEntries((await treeStatus(root)).cells.filter((c) => c.replicas.length > 0).map((c) => [c.name, c.replicas[0]!.pid]));
  const read = (path: string) => readFileSync(join(root, path), 'utf8');

  beforeAll(async () => {
    const api = cellFiles('cells/api', 'api', { extra: `[deps]\nstore = "../store"\n${LIFE}` });
    root = tempDir(deferAll, {
      'cell.toml': cellToml('shop', { entry: false }),
      ...api,
      'cells/api/src/main.ts': API_USING_SHELF + api['cells/api/src/main.ts']!,
      ...cellFiles('cells/store', 'store', { extra: LIFE, extraMethods: GET }),
      'cells/store/src/shelf.ts': "export const SHELF = 'top';\n",
    });
    const nucleus = Nucleus.create({ root, logger: capturedLogger().logger });
    deferAll(() => within(nucleus.stop(), 20_000, 'stopping the nucleus').catch(() => nucleus.kill()));
    await within(nucleus.start(), 60_000, 'the tree to start');
  }, 90_000);

  it('refuses a directory that is not a cell of the running tree', { timeout: 120_000 }, async () => {
    expect((await errorOf(() => reloadWithConsumers(join(root, 'cells')))).code).toBe('CELL_E_CONFIG_NOT_FOUND');
  });

  it('refuses when a consumer no longer builds against the new genome: its files as they were, nothing reloaded', { timeout: 120_000 }, async () => {
    const before = await pids();
    const lock = read('cells/api/cell.lock');
    const bindings = read('cells/api/.cell/bindings/store.ts');
    writeFileSync(join(dirOf('store'), 'cell.toml'), cellToml('store', { version: '1.1.0', extra: LIFE }));
    writeFileSync(join(dirOf('store'), 'src/contract.ts'), contractSource('store', '1.1.0', GET_RENAMED));
    rmSync(join(dirOf('store'), 'src/shelf.ts')); // api imports it: api does not build any more
    const err = await errorOf(() => within(reloadWithConsumers(dirOf('store')), 60_000, 'the refusal'));
    expect(err.code).toBe('CELL_E_BUILD_FAILED');
    expect(err.details).toMatchObject({ producer: 'store', version: '1.1.0', errors: [expect.objectContaining({ cell: 'api' })] });
    expect(read('cells/api/cell.lock')).toBe(lock);
    expect(read('cells/api/.cell/bindings/store.ts')).toBe(bindings);
    expect(await pids()).toEqual(before);
    expect(existsSync(join(dirOf('api'), '.cell/build/trial'))).toBe(false);
    expect((await treeStatus(root)).cells.find((c) => c.name === 'store')!.version).toBe('1.0.0');
  });

  it('moves the consumers onto the new genome with the producer: locks, bindings, then the producer and its consumers reloaded', { timeout: 120_000 }, async () => {
    const before = await pids();
    writeFileSync(join(dirOf('store'), 'src/shelf.ts'), "export const SHELF = 'top';\n");
    const r = await within(reloadWithConsumers(dirOf('store')), 60_000, 'the reload');
    expect(r).toEqual({ producer: { cell: 'store', version: '1.1.0', replaced: 1, rebuilt: true, keptMajor: null }, consumers: [{ cell: 'api', replaced: 1, rebuilt: true }] });
    const after = await pids();
    expect(after['store']).not.toBe(before['store']);
    expect(after['api']).not.toBe(before['api']);
    expect(JSON.parse(read('cells/api/cell.lock'))).toMatchObject({ deps: { store: { version: '1.1.0' } } });
    expect(read('cells/api/.cell/bindings/store.ts')).toContain('code');
    const cells = (await treeStatus(root)).cells;
    expect(cells.find((c) => c.name === 'store')).toMatchObject({ version: '1.1.0', state: 'ready' });
    expect(cells.find((c) => c.name === 'api')).toMatchObject({ state: 'ready' });
    expect(cells.some((c) => c.name === 'store-v1')).toBe(false); // no old copy kept: nothing needs it
  });
});
