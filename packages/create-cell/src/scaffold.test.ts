import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { invalidName, scaffoldCell, scaffoldProject } from './scaffold.ts';

const VERSIONS = { cell: '1.2.3', typescript: '5.9.3', typesNode: '24.0.0' };

describe('scaffold', () => {
  const base = mkdtempSync(join(tmpdir(), 'create-cell-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('a project: package.json on Cell at its own version, strict tsconfig, root cell.toml, two cells', () => {
    const r = scaffoldProject(join(base, 'my-app'), VERSIONS);
    if (!r.ok) throw new Error(r.reason);
    expect(r.files).toEqual(expect.arrayContaining(['package.json', 'tsconfig.json', 'cell.toml', 'README.md', '.gitignore', 'cells/greeter/cell.toml', 'cells/welcome/cell.toml', 'cells/welcome/src/handlers.test.ts']));
    const pkg = JSON.parse(readFileSync(join(r.dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'my-app', type: 'module', dependencies: { '@cell/sdk': '1.2.3' }, devDependencies: { '@cell/cli': '1.2.3', typescript: '5.9.3' } });
    expect(pkg.scripts.test).toBe('cell build . && node --test "cells/*/src/**/*.test.ts"');
    const tsconfig = JSON.parse(readFileSync(join(r.dir, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions).toMatchObject({ strict: true, noEmit: true, allowImportingTsExtensions: true });
    expect(readFileSync(join(r.dir, 'README.md'), 'utf8').trim().split('\n')).toHaveLength(5);
  });

  it('a cell outside any project gets its own package.json and tsconfig.json', () => {
    const outside = mkdtempSync(join(tmpdir(), 'create-cell-alone-'));
    try {
      const r = scaffoldCell(join(outside, 'solo'), VERSIONS);
      if (!r.ok) throw new Error(r.reason);
      expect(r.files).toEqual(expect.arrayContaining(['package.json', 'tsconfig.json', 'cell.toml', 'src/main.ts']));
      expect(JSON.parse(readFileSync(join(r.dir, 'package.json'), 'utf8')).scripts.test).toBe('cell build . && node --test "src/**/*.test.ts"');
      expect(JSON.parse(readFileSync(join(r.dir, 'tsconfig.json'), 'utf8')).include).toEqual(['src/**/*.ts', '.cell/bindings/*.ts']);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a cell inside a project writes only the cell, and says what the project lacks', () => {
    const project = join(base, 'service');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'service', dependencies: { express: '5' } }));
    const r = scaffoldCell(join(project, 'cells', 'billing'), VERSIONS);
    if (!r.ok) throw new Error(r.reason);
    expect(r.files).not.toContain('package.json');
    expect(r.hints.join('\n')).toContain('npm install @cell/sdk@1.2.3');
    expect(r.hints.join('\n')).toContain('no tsconfig.json');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'service', dependencies: { '@cell/sdk': '1.2.3' } }));
    writeFileSync(join(project, 'tsconfig.json'), '{}');
    const again = scaffoldCell(join(project, 'cells', 'ledger'), VERSIONS);
    expect(again.ok && again.hints).toEqual([]);
  });

  it.each(['Hello', '1cell', 'my_cell', 'a.b', `x${'y'.repeat(63)}`])('refuses the name %j, writing nothing', (name) => {
    expect(invalidName(name)).toBeDefined();
    expect(scaffoldProject(join(base, name), VERSIONS)).toMatchObject({ ok: false });
    expect(readdirSync(base)).not.toContain(name);
  });

  it('refuses a directory that is not empty, touching nothing in it, and accepts an empty one', () => {
    mkdirSync(join(base, 'taken'));
    writeFileSync(join(base, 'taken', 'notes.txt'), 'mine');
    expect(scaffoldProject(join(base, 'taken'), VERSIONS)).toEqual({ ok: false, reason: `${join(base, 'taken')} already exists and is not empty` });
    expect(readdirSync(join(base, 'taken'))).toEqual(['notes.txt']);
    mkdirSync(join(base, 'empty'));
    expect(scaffoldCell(join(base, 'empty'), VERSIONS).ok).toBe(true);
  });
});
