import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAll, pathWithThisNode, publishableDirs, REPO, type Packed } from './pack.ts';

const bin = (name: string) => join(REPO, 'node_modules', '.bin', name);
const run = (cmd: string, args: string[]) => {
  try {
    return { status: 0, out: execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, PATH: pathWithThisNode(), NO_COLOR: '1' }, timeout: 120_000 }) };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { status: e.status, out: `${e.stdout}${e.stderr}` };
  }
};

describe('every package a user installs is publishable as it is', () => {
  const dest = mkdtempSync(join(tmpdir(), 'cell-packs-'));
  let packed: Packed[] = [];
  beforeAll(() => {
    packed = packAll(dest);
  }, 300_000);
  afterAll(() => rmSync(dest, { recursive: true, force: true }));

  it('all of them are packed: the SDK, the CLI, create-cell and what they depend on', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(publishableDirs().map((d) => (JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name: string }).name).sort());
    expect(packed.map((p) => p.name)).toEqual(expect.arrayContaining(['@cell/sdk', '@cell/cli', 'create-cell']));
  });

  it('each ships compiled JavaScript, declarations and source maps, and no tests', () => {
    for (const p of packed) {
      expect(p.files, p.name).toEqual(expect.arrayContaining(['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/index.js.map']));
      expect(p.files.filter((f) => /\.test\.|test-support|test-fixtures|tsbuildinfo/.test(f)), p.name).toEqual([]);
    }
  });

  it('each depends only on registry versions: no workspace or file paths', () => {
    for (const dir of publishableDirs()) {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      for (const [dep, range] of Object.entries(pkg.dependencies ?? {})) expect(range, `${dir}: ${dep}`).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('publint finds nothing to warn about in any tarball', () => {
    for (const p of packed) {
      const r = run(bin('publint'), ['run', p.tarball, '--strict']);
      expect(r, p.name).toMatchObject({ status: 0 });
      expect(r.out, p.name).toContain('All good!');
    }
  }, 300_000);

  it('are-the-types-wrong passes for each, as ESM-only packages', () => {
    for (const p of packed) {
      const r = run(bin('attw'), [p.tarball, '--profile', 'esm-only', '--format', 'ascii']);
      expect(r, `${p.name}\n${r.out}`).toMatchObject({ status: 0 });
    }
  }, 300_000);
});
