import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCellConfig } from '@cell/config';
import { cellToml, tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { DEFAULT_COMPILER_OPTIONS, nearestTsconfig, programConfig, programTsconfig, stripJsonComments, tsconfigChain, typecheckTarget } from './typecheck-config.ts';

const defer = useTeardown();

describe('typecheckTarget', () => {
  it("checks a cell's TypeScript entry and its contract module", () => {
    const dir = tempDir(defer, { 'cell.toml': cellToml('api'), 'src/main.ts': '', 'src/contract.ts': '' });
    expect(typecheckTarget(loadCellConfig(dir))).toEqual({ name: 'api', dir, roots: [join(dir, 'src/main.ts'), join(dir, 'src/contract.ts')] });
  });

  it('has nothing to check in a group or a cell whose entry is JavaScript', () => {
    const group = tempDir(defer, { 'cell.toml': cellToml('group', { entry: false }) });
    expect(typecheckTarget(loadCellConfig(group))).toBeUndefined();
    const js = tempDir(defer, { 'cell.toml': '[cell]\nname = "js"\nversion = "1.0.0"\nentry = "main.mjs"\n', 'main.mjs': '' });
    expect(typecheckTarget(loadCellConfig(js))).toBeUndefined();
  });
});

describe('programConfig', () => {
  it('uses strict defaults, the module model of the bundle, and Node types when there is no tsconfig.json', () => {
    const dir = tempDir(defer, { 'cell.toml': cellToml('api'), 'src/main.ts': '' });
    const program = programConfig(typecheckTarget(loadCellConfig(dir))!);
    expect(program.tsconfig).toBeUndefined();
    expect(program.configFiles).toEqual([]);
    expect(program.compilerOptions).toMatchObject({ ...DEFAULT_COMPILER_OPTIONS, strict: true, moduleResolution: 'bundler', types: ['node'], noEmit: true, incremental: true });
    // Outside any project: the SDK this runtime ships, as the bundle gets it.
    expect(Object.keys(program.compilerOptions['paths'] as object)).toEqual(['@cell/sdk']);
  });

  it("takes the nearest tsconfig.json's options (and only them) and forces a check without output", () => {
    const root = tempDir(defer, {
      'tsconfig.json': '{ "compilerOptions": { "strict": true, "composite": true }, "include": ["**/*.ts"] }',
      'cells/a/cell.toml': cellToml('a'),
      'cells/a/src/main.ts': '',
      'cells/b/cell.toml': cellToml('b'),
      'cells/b/src/main.ts': '',
      'cells/b/tsconfig.json': '{ "extends": "../../tsconfig.json" }',
    });
    const a = programConfig(typecheckTarget(loadCellConfig(join(root, 'cells/a')))!);
    expect(a.tsconfig).toBe(join(root, 'tsconfig.json'));
    expect(a.compilerOptions).toMatchObject({ noEmit: true, composite: false, declaration: false });
    expect(a.compilerOptions['strict']).toBeUndefined(); // comes from the project's file through `extends`
    const b = programConfig(typecheckTarget(loadCellConfig(join(root, 'cells/b')))!);
    expect(b.configFiles).toEqual([join(root, 'cells/b/tsconfig.json'), join(root, 'tsconfig.json')]);
    expect(b.key).not.toBe(a.key);
    // Two cells under one tsconfig share a program.
    mkdirSync(join(root, 'cells/c/src'), { recursive: true });
    writeFileSync(join(root, 'cells/c/cell.toml'), cellToml('c'));
    writeFileSync(join(root, 'cells/c/src/main.ts'), '');
    expect(programConfig(typecheckTarget(loadCellConfig(join(root, 'cells/c')))!).key).toBe(a.key);
  });

  it("writes a program's tsconfig: extends the project's, lists only the roots, keeps state where asked", () => {
    const root = tempDir(defer, { 'tsconfig.json': '{}', 'cell.toml': cellToml('a'), 'src/main.ts': '' });
    const program = programConfig(typecheckTarget(loadCellConfig(root))!);
    const config = JSON.parse(programTsconfig(program, ['/x/a.ts', '/x/b.ts'], '/state/k.tsbuildinfo')) as Record<string, unknown>;
    expect(config).toMatchObject({ extends: join(root, 'tsconfig.json'), files: ['/x/a.ts', '/x/b.ts'], include: [] });
    expect((config['compilerOptions'] as Record<string, unknown>)['tsBuildInfoFile']).toBe('/state/k.tsbuildinfo');
  });
});

describe('nearestTsconfig and tsconfigChain', () => {
  it('finds the nearest tsconfig.json up from a directory', () => {
    const root = tempDir(defer, { 'tsconfig.json': '{}', 'a/b/c/.keep': '' });
    expect(nearestTsconfig(join(root, 'a/b/c'))).toBe(join(root, 'tsconfig.json'));
  });

  it('follows extends (relative, without .json, arrays, packages) and gives up on what it cannot read', () => {
    const root = tempDir(defer, {
      'tsconfig.json': '// project\n{ "extends": ["./base", "@acme/tsconfig/strict.json"], /* more */ "compilerOptions": {}, }',
      'base.json': '{ "extends": "./deeper/tsconfig.json" }',
      'deeper/tsconfig.json': '{}',
      'node_modules/@acme/tsconfig/package.json': '{ "name": "@acme/tsconfig" }',
      'node_modules/@acme/tsconfig/strict.json': '{}',
      'broken.json': '{ "extends": "./missing.json" }',
      'cycle.json': '{ "extends": "./cycle.json" }',
    });
    expect(tsconfigChain(join(root, 'tsconfig.json'))).toEqual([
      join(root, 'tsconfig.json'),
      join(root, 'base.json'),
      join(root, 'deeper/tsconfig.json'),
      join(root, 'node_modules/@acme/tsconfig/strict.json'),
    ]);
    expect(tsconfigChain(join(root, 'broken.json'))).toBeUndefined();
    expect(tsconfigChain(join(root, 'cycle.json'))).toBeUndefined();
  });

  it('reads JSON with comments and trailing commas, leaving strings alone', () => {
    const text = '{\n  // a comment\n  "a": "http://x/*y*/", /* block */\n  "b": [1, 2,],\n}';
    expect(JSON.parse(stripJsonComments(text))).toEqual({ a: 'http://x/*y*/', b: [1, 2] });
  });
});
