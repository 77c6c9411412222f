import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCellConfig } from '@cell/config';
import { REPO } from '../test-support/fixtures.ts';
import { initCommand } from './init.ts';

describe('cell init', () => {
  const base = mkdtempSync(join(tmpdir(), 'cell-init-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('scaffolds a cell named after its directory, with a valid cell.toml', () => {
    const r = initCommand(join(base, 'hello-world'));
    expect(r.dir).toBe(join(base, 'hello-world'));
    // Outside any project (a temp dir): the cell brings its own package.json and tsconfig.json.
    expect(r.files.sort()).toEqual(['.gitignore', 'cell.toml', 'package.json', 'src/contract.ts', 'src/handlers.test.ts', 'src/handlers.ts', 'src/main.ts', 'tsconfig.json']);
    for (const f of r.files) expect(existsSync(join(r.dir, f)), f).toBe(true);
    const config = loadCellConfig(r.dir);
    expect(config.cell).toMatchObject({ name: 'hello-world', version: '0.1.0', entry: join(r.dir, 'src/main.ts') });
  });

  it('accepts an empty existing directory', () => {
    mkdirSync(join(base, 'empty'));
    expect(initCommand(join(base, 'empty')).files).toContain('cell.toml');
  });

  it.each(['Hello', '1cell', 'my_cell', 'a.b', `x${'y'.repeat(63)}`])('refuses the name %j with CELL_E_INVALID_ARGUMENT, writing nothing', (name) => {
    expect(() => initCommand(join(base, name))).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
    expect(existsSync(join(base, name))).toBe(false);
  });

  it('refuses a directory that is not empty, touching nothing in it', () => {
    mkdirSync(join(base, 'taken'));
    writeFileSync(join(base, 'taken', 'notes.txt'), 'mine');
    expect(() => initCommand(join(base, 'taken'))).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
    expect(readdirSync(join(base, 'taken'))).toEqual(['notes.txt']);
  });

  it('scaffolds a test that passes as written (node --test, Node 24 running TypeScript)', () => {
    const dir = join(base, 'greeter');
    initCommand(dir);
    symlinkSync(join(REPO, 'node_modules'), join(base, 'node_modules'));
    const r = spawnSync(process.execPath, ['--conditions=cell-source', '--test', '--test-reporter=tap', 'src/**/*.test.ts'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# pass 1$/m);
    expect(r.stdout).toMatch(/^# fail 0$/m);
  });
});
