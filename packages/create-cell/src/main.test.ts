import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/create-cell.mjs', import.meta.url));
const run = (args: string[], cwd: string) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });

describe('create-cell', () => {
  const base = mkdtempSync(join(tmpdir(), 'create-cell-bin-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('writes the project and, with --skip-install, says what to run next', () => {
    const r = run(['my-app', '--skip-install'], base);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Created my-app:');
    expect(r.stdout).toContain('Next: cd my-app && npm install && npm start');
    expect(existsSync(join(base, 'my-app', 'cells', 'welcome', 'src', 'main.ts'))).toBe(true);
    expect(existsSync(join(base, 'my-app', 'node_modules'))).toBe(false);
  });

  it('refuses a bad name or a taken directory with exit 2 and a reason', () => {
    const r = run(['My_App', '--skip-install'], base);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/kebab-case.*nothing was written/);
    expect(run(['my-app', '--skip-install'], base).stderr).toContain('already exists and is not empty');
  });

  it('usage: --help exits 0; an unknown option or two directories exit 2', () => {
    expect(run(['--help'], base)).toMatchObject({ status: 0, stdout: expect.stringContaining('Usage: npm create cell@latest') });
    expect(run(['--frobnicate'], base)).toMatchObject({ status: 2, stderr: expect.stringContaining("Unknown option '--frobnicate'") });
    expect(run(['a', 'b'], base)).toMatchObject({ status: 2, stderr: expect.stringContaining('one directory only') });
  });
});
