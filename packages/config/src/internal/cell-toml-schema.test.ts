import { describe, expect, it } from 'vitest';
import { validateToml } from '../test-fixtures/temp-files.ts';
import { CellTomlSchema } from './cell-toml-schema.ts';
import { compiled } from './schema-kit.ts';

const KEY = '12D3KooWEx896Z4xNYLj5c2qioybsonuRfQu8EDaib7A3hMDNqJX';
const problemsOf = (toml: string) => validateToml(toml).problems.map((p) => ({ line: p.line, key: p.key, message: p.message }));

describe('CellTomlSchema', () => {
  it('defaults every table but [cell] and [network]', () => {
    expect(Object.keys(compiled(CellTomlSchema).Default({}) as object).sort()).toEqual(['auth', 'cells', 'deps', 'env', 'life_cycle', 'resources', 'secrets']);
  });

  it('needs a [cell] table and knows its tables', () => {
    expect(problemsOf('[bogus]\nx = 1\n[resource]\n')).toEqual([
      { line: undefined, key: 'cell', message: 'missing [cell] table (it needs at least name and version)' },
      { line: 1, key: 'bogus', message: 'unknown key; expected one of: cell, resources, life_cycle, deps, cells, auth, env, secrets, network, gateway, observe, build' },
      { line: 3, key: 'resource', message: 'unknown key (did you mean "resources"?); expected one of: cell, resources, life_cycle, deps, cells, auth, env, secrets, network, gateway, observe, build' },
    ]);
    expect(problemsOf('cell = 5\n')).toEqual([{ line: 1, key: 'cell', message: 'expected a table, got number 5' }]);
  });
});

describe('[auth]', () => {
  it('allows node keys and "*"', () => {
    expect(validateToml(`[cell]\nname = "a"\nversion = "1.0.0"\n[auth]\nallowed_keys = ["${KEY}", "*"]\n`).config?.auth).toEqual({ allowedKeys: [KEY, '*'] });
    expect(validateToml('[cell]\nname = "a"\nversion = "1.0.0"\n').config?.auth).toEqual({ allowedKeys: [] });
  });

  it('refuses anything else, entry by entry', () => {
    expect(problemsOf('[cell]\nname = "a"\nversion = "1.0.0"\n[auth]\nallowed_keys = [\n  "not-a-key",\n]\nalowed_keys = 1\n')).toEqual([
      { line: 5, key: 'auth.allowed_keys[0]', message: expect.stringContaining('"not-a-key" is not a node key; expected an Ed25519 peer id') },
      { line: 8, key: 'auth.alowed_keys', message: 'unknown key (did you mean "allowed_keys"?); expected one of: allowed_keys' },
    ]);
    expect(problemsOf('[cell]\nname = "a"\nversion = "1.0.0"\n[auth]\nallowed_keys = "*"\n')[0]?.message).toContain('expected an array of node keys');
  });
});
