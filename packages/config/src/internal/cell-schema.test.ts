import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempFiles, validateToml } from '../test-fixtures/temp-files.ts';
import { CellTable } from './cell-schema.ts';
import { compiled } from './schema-kit.ts';

const { files, cleanup } = tempFiles();
afterEach(cleanup);

const problemsOf = (toml: string, dir?: string) => Object.fromEntries(validateToml(toml, dir).problems.map((p) => [p.key, p.message]));

describe('[cell]', () => {
  it('needs a kebab-case name and a semver version; replicas default to 1', () => {
    expect(compiled(CellTable).Default({ name: 'a', version: '1.0.0' })).toEqual({ name: 'a', version: '1.0.0', replicas: 1, max_connections: 4096 });
    expect(problemsOf('[cell]\nname = "Shop"\nversion = "1.0"\nreplicas = 1001\n')).toEqual({
      'cell.name': 'expected a kebab-case name (a-z, 0-9, -; starting with a letter; at most 63 characters), got "Shop"',
      'cell.version': 'expected a semver version like "1.0.0", got "1.0"',
      'cell.replicas': 'expected a whole number from 1 to 1000, got number 1001',
    });
    expect(problemsOf(`[cell]\nname = "${'a'.repeat(64)}"\nversion = "1.0.0-rc.1+b5"\n`)).toHaveProperty(['cell.name']);
  });

  it('needs entry and contract to be source files that exist', () => {
    const dir = files({ 'src/main.ts': '', 'main.py': '' });
    expect(problemsOf('[cell]\nname = "a"\nversion = "1.0.0"\nentry = "main.py"\ncontract = "src/gone.ts"\n', dir)).toEqual({
      'cell.entry': 'entry "main.py" must be a .ts, .mts, .js, .mjs file (to run any other executable, use run = ["./program", "arg"])',
      'cell.contract': `contract file "src/gone.ts" does not exist (looked for ${join(dir, 'src/gone.ts')})`,
    });
  });

  it('builds absolute paths, and finds src/contract.ts without a contract key', () => {
    const dir = files({ 'src/main.ts': '', 'src/contract.ts': '' });
    const { config } = validateToml('[cell]\nname = "a"\nversion = "1.0.0"\nentry = "src/main.ts"\ndescription = "d"\n', dir);
    expect(config?.cell).toEqual({
      name: 'a',
      version: '1.0.0',
      description: 'd',
      entry: join(dir, 'src/main.ts'),
      contract: join(dir, 'src/contract.ts'),
      replicas: 1,
      maxConnections: 4096,
    });
  });

  it('reports a missing file beside the other problems of the table', () => {
    const dir = files({});
    expect(Object.keys(problemsOf('[cell]\nname = "A"\nversion = "1.0.0"\nentry = "main.ts"\n', dir)).sort()).toEqual(['cell.entry', 'cell.name']);
  });

  it('caps the connections a replica holds (max_connections, 1 to 1,000,000)', () => {
    expect(validateToml('[cell]\nname = "a"\nversion = "1.0.0"\nmax_connections = 64\n').config?.cell.maxConnections).toBe(64);
    for (const bad of ['0', '1000001', '"many"', '1.5']) {
      expect(Object.keys(problemsOf(`[cell]\nname = "a"\nversion = "1.0.0"\nmax_connections = ${bad}\n`))).toEqual(['cell.max_connections']);
    }
  });
});
