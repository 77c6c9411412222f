import { join } from 'node:path';
import { parse } from 'smol-toml';
import { afterEach, describe, expect, it } from 'vitest';
import { tempFiles } from '../test-fixtures/temp-files.ts';
import { validateConfig } from './validate-config.ts';

const { files, cleanup } = tempFiles();
afterEach(cleanup);

function validate(toml: string, dir: string) {
  return validateConfig(parse(toml) as Record<string, unknown>, join(dir, 'cell.toml'), dir, toml);
}

describe('validateConfig', () => {
  it('turns the smallest cell.toml into a whole config, defaults applied', () => {
    const dir = files({});
    const none = { min: undefined, max: undefined };
    expect(validate('[cell]\nname = "a"\nversion = "1.0.0"\n', dir)).toEqual({
      config: {
        file: join(dir, 'cell.toml'),
        dir,
        cell: { name: 'a', version: '1.0.0', description: undefined, entry: undefined, contract: undefined, replicas: 1, maxConnections: 4096 },
        resources: { cpu: none, memory: none, storage: none, gpu: none, logs: { min: undefined, max: 48_000_000 } },
        lifeCycle: { idleTimeoutMs: undefined, restart: { max: 5, withinMs: 60_000, backoffMinMs: 100, backoffMaxMs: 5000 }, graceMs: 5000, readyTimeoutMs: 30_000 },
        deps: {},
        remoteDeps: {},
        cells: {},
        auth: { allowedKeys: [] },
        network: undefined,
        process: undefined,
        ports: [],
        env: {},
        secrets: {},
        gateway: undefined,
        observe: undefined,
      },
      problems: [],
    });
  });

  it('reports schema problems and build-step problems of every table together, in file order', () => {
    const dir = files({});
    const toml = `[cell]
name = "a"
version = "1.0.0"
entry = "gone.ts"
[resources]
memory = 256
[life_cycle]
grace = "25d"
[deps]
b = "../b"
[cells]
c = "cells/c"
[auth]
allowed_keys = ["x"]
[network]
p2p = "0.0.0.0:7700"
`;
    const { config, problems } = validate(toml, dir);
    expect(config).toBeUndefined();
    expect(problems.map((p) => [p.line, p.key])).toEqual([
      [4, 'cell.entry'],
      [6, 'resources.memory'],
      [8, 'life_cycle.grace'],
      [10, 'deps.b'],
      [12, 'cells.c'],
      [14, 'auth.allowed_keys[0]'],
      [16, 'network.p2p'],
    ]);
  });

  it('leaves the parsed document as it was', () => {
    const dir = files({});
    const raw = { cell: { name: 'a', version: '1.0.0' } };
    validateConfig(raw, join(dir, 'cell.toml'), dir, '');
    expect(raw).toEqual({ cell: { name: 'a', version: '1.0.0' } });
  });
});
