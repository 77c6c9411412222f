import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCellConfig } from '@cell/config';
import { cellToml, contractSource, errorOf, storeGenome, tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { GENOME_FILE, genomeFromSource, genomesFromSources, readGenomeFile, writeGenomeFile } from './contract-genome.ts';

const defer = useTeardown();

/** A cell named `name` whose src/contract.ts is `contract`. */
function cellWithContract(name: string, contract: string, version = '1.0.0'): string {
  return tempDir(defer, { 'cell.toml': cellToml(name, { version }), 'src/main.ts': '', 'src/contract.ts': contract });
}

describe('genomeFromSource', () => {
  it('reads the genome from the cell\'s contract module', async () => {
    const dir = cellWithContract('store', contractSource('store', '1.2.0', 'list: unary({ input: Type.Object({}), output: Type.Array(Type.String()) }),'), '1.2.0');
    const genome = await genomeFromSource(loadCellConfig(dir));
    expect(genome).toMatchObject({ name: 'store', version: '1.2.0' });
    expect(Object.keys(genome!.methods).sort()).toEqual(['list', 'whoami']);
    expect(genome!.fingerprint).toEqual(expect.any(String));
    expect(existsSync(join(dir, '.cell', 'build', 'contract.genome.json'))).toBe(true);
  });

  it('answers an unchanged module from its cache, and reads it again once changed', async () => {
    const dir = cellWithContract('store', contractSource('store', '1.0.0', '', true));
    const config = loadCellConfig(dir);
    const first = await genomeFromSource(config);
    expect(await genomeFromSource(config)).toEqual(first);
    writeFileSync(join(dir, 'src/contract.ts'), contractSource('store', '1.0.0', 'ping: unary({ input: Type.Object({}), output: Type.Null() }),', true));
    const changed = await genomeFromSource(config);
    expect(Object.keys(changed!.methods).sort()).toEqual(['ping', 'whoami']);
    expect(changed!.fingerprint).not.toBe(first!.fingerprint);
  });

  it('picks the contract named like the cell among several', async () => {
    const two = `${contractSource('store', '1.0.0', '', true)}\nexport const other = defineContract({ name: 'other', version: '9.0.0', methods: {} });\n`;
    expect((await genomeFromSource(loadCellConfig(cellWithContract('store', two))))?.name).toBe('store');
  });

  it('is undefined for a cell without a contract module', async () => {
    const dir = tempDir(defer, { 'cell.toml': cellToml('bare'), 'src/main.ts': '' });
    expect(await genomeFromSource(loadCellConfig(dir))).toBeUndefined();
  });

  it('refuses a contract named otherwise than the cell (CELL_E_BUILD_FAILED)', async () => {
    const err = await errorOf(() => genomeFromSource(loadCellConfig(cellWithContract('store', contractSource('shop', '1.0.0', '', true)))));
    expect(err.code).toBe('CELL_E_BUILD_FAILED');
  });

  it('refuses a contract whose version is not the cell\'s (CELL_E_BUILD_FAILED)', async () => {
    const err = await errorOf(() => genomeFromSource(loadCellConfig(cellWithContract('store', contractSource('store', '2.0.0', '', true), '1.0.0'))));
    expect(err.code).toBe('CELL_E_BUILD_FAILED');
  });

  it('refuses a module that exports no contract, or fails to load (CELL_E_BUILD_FAILED, with the reason)', async () => {
    const none = await errorOf(() => genomeFromSource(loadCellConfig(cellWithContract('store', 'export const nothing = 1;\n'))));
    expect(none.code).toBe('CELL_E_BUILD_FAILED');
    const throwing = await errorOf(() => genomeFromSource(loadCellConfig(cellWithContract('store', "throw new Error('side effect');\nexport {};\n"))));
    expect(throwing.code).toBe('CELL_E_BUILD_FAILED');
    expect(throwing.message).toContain('side effect');
  });

  it('reports a syntax error in the contract module as CELL_E_BUILD_FAILED with file and line', async () => {
    const err = await errorOf(() => genomeFromSource(loadCellConfig(cellWithContract('store', 'export const contract = {\n'))));
    expect(err.code).toBe('CELL_E_BUILD_FAILED');
    expect((err.details['errors'] as string[])[0]).toMatch(/^src\/contract\.ts:\d+:\d+: /);
  });
});

describe('genome file', () => {
  it('records the built genome in .cell/genome.json and reads it back', () => {
    const dir = tempDir(defer, { '.cell/build/main.mjs': '' }); // written after a build
    expect(readGenomeFile(dir)).toBeUndefined();
    const genome = storeGenome('1.0.0');
    writeGenomeFile(dir, genome);
    expect(existsSync(join(dir, GENOME_FILE))).toBe(true);
    expect(readGenomeFile(dir)).toEqual(genome);
  });
});

describe('genomesFromSources', () => {
  it('reads many cells’ genomes at once; a broken contract fails its own cell only', async () => {
    const good = (name: string) => loadCellConfig(cellWithContract(name, contractSource(name, '1.0.0', '', true)));
    const broken = loadCellConfig(cellWithContract('broken', 'process.exit(5);\nexport {};\n'));
    const none = loadCellConfig(tempDir(defer, { 'cell.toml': cellToml('plain'), 'src/main.ts': '' }));
    const results = await genomesFromSources([good('a'), broken, none, good('b')]);
    expect(results.map((r) => (r === undefined ? 'none' : 'code' in r ? r.code : r.name))).toEqual(['a', 'CELL_E_BUILD_FAILED', 'none', 'b']);
  });
});
