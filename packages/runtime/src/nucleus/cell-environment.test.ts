import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLaunchEnv } from '@cell/host';
import { cellToml, plainCell, tempTree, useTeardown } from '../test-fixtures/temp-cells.ts';
import { cellEnvironment } from './cell-environment.ts';

const defer = useTeardown();
const KEY_A = '12D3KooWEx896Z4xNYLj5c2qioybsonuRfQu8EDaib7A3hMDNqJX';
const KEY_B = '12D3KooWHFrmLWTTDD4NodngtRMEVYgxrsDMp4F9iSwYntZ9WjHa';
const NETWORK = '[network]\nlisten = "127.0.0.1:0"\np2p = "127.0.0.1:0"\n';

function tree(rootExtra: string, apiExtra = '') {
  return tempTree(defer, {
    'cell.toml': cellToml('root', { entry: false, extra: rootExtra }),
    ...plainCell('cells/api', 'api', `[deps]\nstore = "../store"\nstock = "axon://127.0.0.1:7700"\n[life_cycle]\nidle_timeout = "2m"\ngrace = "3s"\n${apiExtra}`),
    ...plainCell('cells/store', 'store'),
  });
}

describe('cellEnvironment', () => {
  it('tells a cell of a local tree its dependencies, life cycle and nucleus, and nothing of a network', () => {
    const t = tree('');
    const api = t.nodes.find((n) => n.name === 'api')!;
    const store = t.nodes.find((n) => n.name === 'store')!;
    const env = cellEnvironment(t, api, '/never/used.json');
    const launch = readLaunchEnv(env);
    expect(Object.keys(launch.deps).sort()).toEqual(['stock', 'store']);
    expect(launch.deps['store']).toEqual({ name: 'store', dir: store.dir });
    expect(launch.deps['stock']).toMatchObject({ name: 'stock', axon: 'axon://127.0.0.1:7700' });
    expect(launch).toMatchObject({ graceMs: 3000, idleTimeoutMs: 120_000, nucleusSocket: join(t.root.dir, 'run', 'nucleus.sock'), network: false, identityFile: undefined, axon: undefined });
    expect(env['NODE_COMPILE_CACHE']).toBe(join(api.dir, '.cell', 'compile-cache'));
    expect(env['CELL_NAME']).toBeUndefined(); // per replica, set by the supervisor
  });

  it('tells cells not to count calls when the tree serves no metrics, by cell.toml or CELL_METRICS', () => {
    const on = tree('');
    const off = tree('[observe]\nmetrics = "off"');
    const store = (t: typeof on) => t.nodes.find((n) => n.name === 'store')!;
    expect(readLaunchEnv(cellEnvironment(on, store(on), undefined, {})).callStats).toBe(true);
    expect(readLaunchEnv(cellEnvironment(off, store(off), undefined, {})).callStats).toBe(false);
    expect(readLaunchEnv(cellEnvironment(on, store(on), undefined, { CELL_METRICS: 'off' })).callStats).toBe(false);
  });

  it('tells a cell when to give memory back, as its cell.toml says (false: never), and leaves the SDK\'s default otherwise', () => {
    const t = tree('', 'memory_trim = "30s"\n');
    const api = t.nodes.find((n) => n.name === 'api')!;
    const store = t.nodes.find((n) => n.name === 'store')!;
    expect(readLaunchEnv(cellEnvironment(t, api, undefined, {})).memoryTrimMs).toBe(30_000);
    expect(readLaunchEnv(cellEnvironment(t, store, undefined, {})).memoryTrimMs).toBeUndefined();
    const never = tree('', 'memory_trim = false\n');
    expect(cellEnvironment(never, never.nodes.find((n) => n.name === 'api')!, undefined, {})['CELL_MEMORY_TRIM_MS']).toBe('0');
  });

  it('omits the idle timeout of a cell that never idles', () => {
    const t = tree('');
    const env = cellEnvironment(t, t.nodes.find((n) => n.name === 'store')!, undefined);
    expect(readLaunchEnv(env)).toMatchObject({ idleTimeoutMs: undefined, deps: {}, graceMs: 5000 });
  });

  it('on a networked tree, gives the identity, and an axon only to a cell some node key may call', () => {
    const t = tree(`${NETWORK}allowed_keys = ["${KEY_B}"]\n`, `[auth]\nallowed_keys = ["${KEY_A}"]`);
    const api = readLaunchEnv(cellEnvironment(t, t.nodes.find((n) => n.name === 'api')!, '/run/identity.json'));
    expect(api).toMatchObject({ network: true, identityFile: '/run/identity.json', axon: { host: '127.0.0.1', port: 0, allowedKeys: [KEY_A, KEY_B] } });
    // store has no keys of its own; the node's keys still let it be called
    const store = readLaunchEnv(cellEnvironment(t, t.nodes.find((n) => n.name === 'store')!, '/run/identity.json'));
    expect(store.axon).toEqual({ host: '127.0.0.1', port: 0, allowedKeys: [KEY_B] });
  });

  it('on a networked tree without any allowed key, no cell serves an axon', () => {
    const t = tree(NETWORK);
    const env = readLaunchEnv(cellEnvironment(t, t.nodes.find((n) => n.name === 'api')!, '/run/identity.json'));
    expect(env).toMatchObject({ network: true, identityFile: '/run/identity.json', axon: undefined });
  });

  it('"*" lets any authenticated node call', () => {
    const t = tree(NETWORK, '[auth]\nallowed_keys = ["*"]');
    const env = readLaunchEnv(cellEnvironment(t, t.nodes.find((n) => n.name === 'api')!, '/run/identity.json'));
    expect(env.axon).toEqual({ host: '127.0.0.1', port: 0, allowedKeys: 'any' });
  });
});
