import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { readProgramFiles } from './typecheck-program-files.ts';

const defer = useTeardown();

/**
 * A .tsbuildinfo in TypeScript's shape: ids 1-based. Files: 1 lib, 2 node types (global, no
 * importer), 3 a's main (root), 4 a's contract, 5 shared, 6 b's main (root), 7 b's globals.d.ts
 * (imported by b, adds globals).
 */
const INFO = {
  root: [3, [6, 6]],
  fileNames: ['lib.es2024.d.ts', '../../node_modules/@types/node/index.d.ts', '../../a/src/main.ts', '../../a/src/contract.ts', '../../shared/util.ts', '../../b/src/main.ts', '../../b/src/globals.d.ts'],
  fileInfos: ['v1', { version: 'v2', affectsGlobalScope: true }, 'v3', 'v4', 'v5', 'v6', { version: 'v7', affectsGlobalScope: true }],
  fileIdsList: [[4, 5], [5, 7]],
  referencedMap: [[3, 1], [6, 2]],
};

describe('readProgramFiles', () => {
  it('gives each root the files it imports, plus the global ones; never the compiler libs', () => {
    const dir = tempDir(defer, { 'state/x/k.tsbuildinfo': JSON.stringify(INFO) });
    const p = readProgramFiles(join(dir, 'state/x/k.tsbuildinfo'))!;
    const abs = (rel: string) => join(dir, rel);
    expect(p.files).toHaveLength(6);
    expect([...p.inputsOf([abs('a/src/main.ts')])!].sort()).toEqual([abs('a/src/contract.ts'), abs('a/src/main.ts'), abs('b/src/globals.d.ts'), abs('node_modules/@types/node/index.d.ts'), abs('shared/util.ts')].sort());
    expect([...p.inputsOf([abs('b/src/main.ts')])!].sort()).toEqual([abs('b/src/globals.d.ts'), abs('b/src/main.ts'), abs('node_modules/@types/node/index.d.ts'), abs('shared/util.ts')].sort());
    expect(p.inputsOf([abs('c/src/main.ts')])).toBeUndefined(); // not in this program
  });

  it('gives nothing for a missing or unfamiliar file', () => {
    const dir = tempDir(defer, { 'odd.tsbuildinfo': '{"version":"9"}', 'bad.tsbuildinfo': '{' });
    expect(readProgramFiles(join(dir, 'none.tsbuildinfo'))).toBeUndefined();
    expect(readProgramFiles(join(dir, 'odd.tsbuildinfo'))).toBeUndefined();
    expect(readProgramFiles(join(dir, 'bad.tsbuildinfo'))).toBeUndefined();
  });
});
