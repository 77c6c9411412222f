// Git dependencies from real repositories: a bare repository in a temp dir stands for the remote
// (git+file://), never the internet.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCellTree } from '@cell/config';
import { readLock } from '@cell/codegen';
import { Nucleus } from '../nucleus/nucleus.ts';
import { capturedLogger, cellFiles, cellToml, errorOf, tempDir, useTeardown, whoami, within } from '../test-fixtures/temp-cells.ts';
import { fetchGitDependencies } from './git-deps.ts';

const deferAll = useTeardown('all');
const defer = useTeardown();

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=Cell Test', '-c', 'user.email=test@cell.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();

/** A repository whose root is the mailer cell, pushed to a bare "remote"; `release(build, tag)` commits a build and (re)tags it. */
function mailerRepository(): { remote: string; release: (build: string, tag: string) => string } {
  const base = tempDir(deferAll);
  const work = join(base, 'work');
  const remote = join(base, 'mailer.git');
  git(base, 'init', '--bare', '--quiet', remote);
  git(base, 'init', '--quiet', work);
  git(work, 'remote', 'add', 'origin', remote);
  const release = (build: string, tag: string) => {
    mkdirSync(join(work, 'src'), { recursive: true });
    for (const [path, text] of Object.entries(cellFiles('.', 'mailer', { build }))) writeFileSync(join(work, path), text);
    git(work, 'add', '-A');
    git(work, 'commit', '--quiet', '-m', `mailer ${build}`);
    git(work, 'tag', '-f', tag);
    git(work, 'push', '--quiet', '--force', 'origin', 'main', `refs/tags/${tag}`);
    return git(work, 'rev-parse', 'HEAD');
  };
  return { remote, release };
}

function consumerTree(dep: string): string {
  return tempDir(defer, { 'cell.toml': cellToml('shop', { entry: false }), ...cellFiles('cells/app', 'app', { extra: `[deps]\nmailer = ${JSON.stringify(dep)}\n` }) });
}

describe('git dependencies', () => {
  let repo: ReturnType<typeof mailerRepository>;
  let first: string;
  beforeAll(() => {
    repo = mailerRepository();
    first = repo.release('one', 'v1');
  });

  it('are fetched at the commit their ref names, pinned in cell.lock, and run in the tree with typed bindings', async () => {
    const root = consumerTree(`git+file://${repo.remote}#v1`);
    expect((await errorOf(() => loadCellTree(root))).message).toContain('is not fetched yet: `cell build`');
    const fetched = await fetchGitDependencies(root);
    expect(fetched).toEqual([{ consumer: 'app', dep: 'mailer', url: `file://${repo.remote}`, ref: 'v1', commit: first, action: 'fetched', moved: undefined, offline: undefined }]);
    expect(readLock(join(root, 'cells/app'))?.git).toEqual({ mailer: { url: `file://${repo.remote}`, ref: 'v1', commit: first } });
    const checkout = join(root, 'cells/app/.cell/deps', `mailer@${first.slice(0, 12)}`);
    expect(loadCellTree(root).nodes.find((n) => n.name === 'mailer')?.dir).toBe(checkout);

    const nucleus = Nucleus.create({ root, logger: capturedLogger().logger, typecheck: false });
    defer(() => within(nucleus.stop(), 20_000, 'the tree to stop').catch(() => nucleus.kill()));
    await within(nucleus.start(), 90_000, 'the tree to start');
    expect(nucleus.failedCells()).toEqual([]);
    expect(await whoami(join(checkout, 'run', 'mailer-0.sock'))).toMatchObject({ build: 'one' });
    expect(readFileSync(join(root, 'cells/app/.cell/bindings/mailer.ts'), 'utf8')).toContain('whoami');
    expect(readLock(join(root, 'cells/app'))?.deps['mailer']).toMatchObject({ cell: 'mailer' });
  });

  it('keep their locked commit when the tag moves, say so, and move only on update; a locked commit builds offline', async () => {
    const root = consumerTree(`git+file://${repo.remote}#v1`);
    await fetchGitDependencies(root);
    const second = repo.release('two', 'v1'); // the tag moves
    const again = await fetchGitDependencies(root);
    expect(again[0]).toMatchObject({ action: 'locked', commit: first, moved: second });
    const updated = await fetchGitDependencies(root, { update: ['mailer'] });
    expect(updated[0]).toMatchObject({ action: 'updated', commit: second, moved: undefined });
    expect(readLock(join(root, 'cells/app'))?.git?.['mailer']?.commit).toBe(second);
    expect(existsSync(join(root, 'cells/app/.cell/deps', `mailer@${second.slice(0, 12)}`, 'cell.toml'))).toBe(true);

    // The remote is gone: the locked commit is in the cache.
    const moved = `${repo.remote}-moved`;
    execFileSync('mv', [repo.remote, moved]);
    defer(() => execFileSync('mv', [moved, repo.remote]));
    const offline = await fetchGitDependencies(root);
    expect(offline[0]).toMatchObject({ action: 'locked', commit: second, offline: expect.stringContaining("does not appear to be a git repository") });
    expect((await fetchGitDependencies(root, { offline: true }))[0]).toMatchObject({ commit: second, offline: 'offline' });
  });

  it('name the consumer, the dependency and the cause when they cannot be fetched', async () => {
    const missing = consumerTree('git+file:///nonexistent/mailer.git#v1');
    await expect(fetchGitDependencies(missing)).rejects.toMatchObject({ code: 'CELL_E_GIT_FAILED', message: expect.stringMatching(/^app: git dependency mailer \(file:\/\/\/nonexistent\/mailer\.git#v1\): .+/) });
    const noRef = consumerTree(`git+file://${repo.remote}#v9`);
    await expect(fetchGitDependencies(noRef)).rejects.toMatchObject({ code: 'CELL_E_GIT_FAILED', message: expect.stringContaining('no tag, branch or commit "v9" in the repository') });
    await expect(fetchGitDependencies(noRef, { offline: true })).rejects.toThrow('not in cell.lock, and the repository cannot be asked (offline)');
  });
});
