import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { capturedLogger, cellFiles, cellToml, contractSource, errorOf, tempDir, useTeardown, within } from '../test-fixtures/temp-cells.ts';
import { Nucleus } from './nucleus.ts';

const deferAll = useTeardown('all');
const LIFE = '[life_cycle]\ngrace = "1s"\n';

describe('reloading a supervised cell (through its nucleus)', () => {
  let root: string;
  let nucleus: Nucleus;
  const store = () => join(root, 'cells/store');
  /** Gives store a new version; `breaking` changes whoami's output (a consumer locked to 1.x breaks). */
  const setStore = (version: string, breaking = false) => {
    writeFileSync(join(store(), 'cell.toml'), cellToml('store', { version, extra: LIFE }));
    const source = contractSource('store', version, "list: unary({ input: Type.Object({}), output: Type.Array(Type.String()) }),");
    writeFileSync(join(store(), 'src/contract.ts'), breaking ? source.replace('pid: Type.Integer()', 'pid: Type.String()') : source);
  };

  beforeAll(async () => {
    root = tempDir(deferAll, {
      'cell.toml': cellToml('shop', { entry: false }),
      ...cellFiles('cells/api', 'api', { extra: `[deps]\nstore = "../store"\n${LIFE}` }),
      ...cellFiles('cells/store', 'store', { extra: LIFE }),
    });
    nucleus = Nucleus.create({ root, logger: capturedLogger().logger });
    deferAll(() => within(nucleus.stop(), 20_000, 'stopping the nucleus').catch(() => nucleus.kill()));
    await within(nucleus.start(), 60_000, 'the tree to start');
  });

  it('restarts a cell with the build it runs (nothing rebuilt) and refuses a group, which has no process', async () => {
    const pid = () => nucleus.status().cells.find((c) => c.name === 'store')!.replicas[0]!.pid;
    const before = pid();
    expect(await within(nucleus.restart(nucleus.find('store')!), 30_000, 'the restart')).toEqual({ replaced: 1 });
    expect(pid()).not.toBe(before);
    expect((await errorOf(() => nucleus.restart(nucleus.find('shop')!))).code).toBe('CELL_E_INVALID_ARGUMENT');
  });

  it('replaces every replica with the new build of a compatible change', async () => {
    setStore('1.1.0');
    expect(await within(nucleus.reload(nucleus.find('store')!), 30_000, 'the reload')).toMatchObject({ replaced: 1, rebuilt: true, keptMajor: null });
  });

  it('refuses a change that breaks a running consumer’s locked genome, naming it', async () => {
    setStore('1.2.0', true);
    const err = await errorOf(() => within(nucleus.reload(nucleus.find('store')!), 30_000, 'the refusal'));
    expect(err.code).toBe('CELL_E_SCHEMA_MISMATCH');
    expect(err.details).toMatchObject({ blocking: [expect.objectContaining({ consumer: 'api', dep: 'store' })] });
  });

  it('with a major bump, keeps the old major running beside the new one for the consumer built against it', async () => {
    setStore('2.0.0', true);
    expect(await within(nucleus.reload(nucleus.find('store')!), 30_000, 'the reload')).toMatchObject({ keptMajor: 1 });
    expect(nucleus.status().cells.map((c) => [c.name, c.state])).toContainEqual(['store-v1', 'ready']);
  });
});
