import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorOf, tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { contractsOf, contractsOfMany } from './contract-module.ts';

const defer = useTeardown();

function bundle(source: string): string {
  const file = join(tempDir(defer), 'contract.mjs');
  writeFileSync(file, source);
  return file;
}

describe('contractsOf (a contract module, evaluated in a child process)', () => {
  it('reads the contracts a module exports, whatever it prints', async () => {
    const file = bundle(`console.log('hello from the module');
export const contract = { name: 'a', version: '1.0.0', methods: { m: { kind: 'unary', input: { type: 'object' }, output: {}, errors: {} } }, events: {} };
export const other = 42;`);
    expect(await contractsOf(file, 'a')).toEqual([{ name: 'a', version: '1.0.0', methods: { m: { kind: 'unary', input: { type: 'object' }, output: {}, errors: {} } }, events: {} }]);
  });

  it('fails the build, not the caller, when the module exits on its own', async () => {
    const err = await errorOf(() => contractsOf(bundle('process.exit(0);\nexport const contract = {};'), 'a'));
    expect(err.code).toBe('CELL_E_BUILD_FAILED');
    expect(process.exitCode ?? 0).toBe(0); // this process never exited
  });

  it('fails the build within its timeout when the module never finishes loading', async () => {
    const started = Date.now();
    const err = await errorOf(() => contractsOf(bundle('for (;;) {}'), 'a', 500));
    expect(err.code).toBe('CELL_E_BUILD_FAILED');
    expect(err.message).toContain('took longer than 500 ms');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('names the error a module throws at load', async () => {
    const err = await errorOf(() => contractsOf(bundle("throw new Error('no config here');"), 'a'));
    expect(err.code).toBe('CELL_E_BUILD_FAILED');
    expect(err.message).toContain('no config here');
  });
});

describe('contractsOfMany (one child for many modules)', () => {
  it('reads every module; one that kills its child fails alone, and the others are still read', async () => {
    const good = (name: string) => bundle(`export const c = { name: '${name}', version: '1.0.0', methods: {}, events: {} };`);
    const results = await contractsOfMany([
      { bundle: good('a'), cell: 'a' },
      { bundle: bundle('process.exit(3);'), cell: 'b' },
      { bundle: good('c'), cell: 'c' },
      { bundle: bundle('for (;;) {}'), cell: 'd' },
      { bundle: good('e'), cell: 'e' },
    ], 1000);
    expect(results.map((r) => (Array.isArray(r) ? r.map((c) => c.name).join() : r.code))).toEqual(['a', 'CELL_E_BUILD_FAILED', 'c', 'CELL_E_BUILD_FAILED', 'e']);
    expect((results[1] as Error).message).toContain('code 3');
    expect((results[3] as Error).message).toContain('took longer than 1000 ms');
  });
});
