import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MemoryBlockstore } from 'blockstore-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundlePlan, planBundle, storeBundle, TARBALL_DIR } from './bundle.ts';
import { npmTarballs } from './npm-tarballs.ts';
import { makeNpmProject, writeFiles } from './test-support/npm-project.ts';
import { tempDir } from './test-support/temp-dir.ts';

/** The bundle's CID in a fresh store. */
async function cidOf(plan: BundlePlan): Promise<string> {
  return (await storeBundle(plan, new MemoryBlockstore())).cid.toString();
}

describe('source bundles', () => {
  const dir = tempDir('cell-bundle-');
  afterAll(() => dir.remove());

  describe('without npm dependencies', () => {
    const plan = (cellDir: string) => planBundle({ cell: 'c', cellDir, treeRoot: cellDir, exclude: [], tarballs: npmTarballs({ offline: true, cacheDir: join(dir.path, 'no-cache') }) });

    it('gives the same CID for the same files, wherever they are, whatever their times', async () => {
      const a = join(dir.path, 'a');
      writeFiles(a, { 'cell.toml': '[cell]\nname = "c"\n', 'src/main.ts': 'export {};\n', 'src/util/x.ts': 'export const x = 1;\n', '.gitignore': 'out/\n', 'out/junk': 'x' });
      const b = join(dir.path, 'elsewhere', 'b');
      mkdirSync(dirname(b), { recursive: true });
      cpSync(a, b, { recursive: true });
      utimesSync(join(b, 'src/main.ts'), new Date(2001, 1, 1), new Date(2001, 1, 1));
      const [pa, pb] = [await plan(a), await plan(b)];
      expect(pa.entries.map((e) => e.path)).toEqual(['.gitignore', 'cell.toml', 'src/main.ts', 'src/util/x.ts']);
      expect(pa.digest).toBe(pb.digest);
      const cid = await cidOf(pa);
      expect(cid).toMatch(/^bafybei/);
      expect(await cidOf(pb)).toBe(cid);
      expect(await cidOf(await plan(a))).toBe(cid);
    });

    it('changes the CID (and digest) when a byte, a name or an executable bit changes, not for an ignored file', async () => {
      const a = join(dir.path, 'change');
      writeFiles(a, { 'cell.toml': '', 'run.sh': 'echo\n', '.gitignore': '*.tmp\n' });
      const base = await plan(a);
      const cid = await cidOf(base);
      writeFileSync(join(a, 'scratch.tmp'), 'ignored');
      expect((await plan(a)).digest).toBe(base.digest);
      execFileSync('chmod', ['+x', join(a, 'run.sh')]);
      const exec = await plan(a);
      expect(exec.digest).not.toBe(base.digest);
      expect(await cidOf(exec)).not.toBe(cid);
      writeFileSync(join(a, 'run.sh'), 'echo!\n');
      expect(await cidOf(await plan(a))).not.toBe(await cidOf(exec));
    });
  });

  describe('with npm dependencies (a workspace project, tarballs from a private npm cache)', () => {
    let project: ReturnType<typeof makeNpmProject>;
    let plan: BundlePlan;
    const root = join(dir.path, 'proj');
    beforeAll(async () => {
      project = makeNpmProject(root);
      plan = await planBundle({ cell: 'a', cellDir: project.cellDir, treeRoot: root, exclude: [], tarballs: npmTarballs({ offline: true, cacheDir: project.cache }) });
    });

    it('carries the sources, a package.json and a lockfile pruned to run-time needs, and each tarball', async () => {
      expect(plan.entries.map((e) => e.path)).toEqual([`${TARBALL_DIR}/linked-1.0.0.tgz`, `${TARBALL_DIR}/tiny-dep-1.0.0.tgz`, 'cell.toml', 'package-lock.json', 'package.json', 'src/main.ts']);
      const text = async (p: string) => JSON.parse(Buffer.from(await plan.entries.find((e) => e.path === p)!.load()).toString()) as Record<string, unknown>;
      const pkg = await text('package.json');
      expect(pkg).toEqual({ name: 'proj', version: '1.0.0', type: 'module', dependencies: { 'tiny-dep': '1.0.0', linked: `file:${TARBALL_DIR}/linked-1.0.0.tgz` } });
      const lock = (await text('package-lock.json')) as { packages: Record<string, Record<string, unknown>> };
      expect(Object.keys(lock.packages)).toEqual(['', 'node_modules/linked', 'node_modules/tiny-dep']);
      expect(lock.packages['node_modules/tiny-dep']).toMatchObject({ version: '1.0.0', integrity: project.tinyIntegrity, resolved: 'https://registry.npmjs.org/tiny-dep/-/tiny-dep-1.0.0.tgz' });
      expect(lock.packages['node_modules/linked']).toMatchObject({ version: '1.0.0', resolved: `file:${TARBALL_DIR}/linked-1.0.0.tgz`, integrity: expect.stringMatching(/^sha512-/) });
    });

    it('is deterministic with its tarballs (workspace packages packed again give the same bytes)', async () => {
      const again = await planBundle({ cell: 'a', cellDir: project.cellDir, treeRoot: root, exclude: [], tarballs: npmTarballs({ offline: true, cacheDir: project.cache }) });
      expect(again.digest).toBe(plan.digest);
      expect(await cidOf(again)).toBe(await cidOf(plan));
    });

    it('installs with `npm ci --offline` from nothing but the bundle', async () => {
      const out = join(dir.path, 'unpacked');
      for (const e of plan.entries) {
        mkdirSync(dirname(join(out, e.path)), { recursive: true });
        writeFileSync(join(out, e.path), await e.load());
      }
      const cache = join(dir.path, 'donor-cache');
      const tarballs = plan.entries.filter((e) => e.path.startsWith(TARBALL_DIR)).map((e) => join(out, e.path));
      execFileSync('npm', ['cache', 'add', ...tarballs, '--cache', cache], { stdio: 'ignore' });
      execFileSync('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', cache], { cwd: out, stdio: 'ignore', timeout: 120_000 });
      expect(readFileSync(join(out, 'node_modules/tiny-dep/index.js'), 'utf8')).toBe('module.exports = 42;\n');
      expect(existsSync(join(out, 'node_modules/linked/index.js'))).toBe(true);
      expect(existsSync(join(out, 'node_modules/devonly'))).toBe(false);
    });

    it('fails naming the package when a tarball cannot be had', async () => {
      const p = await planBundle({ cell: 'a', cellDir: project.cellDir, treeRoot: root, exclude: [], tarballs: npmTarballs({ offline: true, cacheDir: join(dir.path, 'empty-cache') }) });
      await expect(storeBundle(p, new MemoryBlockstore())).rejects.toMatchObject({ code: 'CELL_E_BUNDLE_FAILED', message: expect.stringContaining('tiny-dep@1.0.0') });
    });
  });
});
