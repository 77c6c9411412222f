import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempFiles } from '../test-fixtures/temp-files.ts';
import { gitCheckoutDir, lockedCheckout, parseGitDependency } from './git-dep.ts';

const { files, cleanup } = tempFiles();
afterEach(cleanup);

describe('git dependencies', () => {
  it('reads the URL and the ref (HEAD when none is given)', () => {
    expect(parseGitDependency('git+https://host/acme/mailer.git#v2.1.0')).toEqual({ url: 'https://host/acme/mailer.git', ref: 'v2.1.0' });
    expect(parseGitDependency('git+file:///srv/repos/mailer.git')).toEqual({ url: 'file:///srv/repos/mailer.git', ref: 'HEAD' });
    expect(parseGitDependency('git+ssh://git@host/acme/mailer.git#main')).toEqual({ url: 'ssh://git@host/acme/mailer.git', ref: 'main' });
    expect(parseGitDependency('git+git@host:acme/mailer.git#1a2b3c4')).toEqual({ url: 'git@host:acme/mailer.git', ref: '1a2b3c4' });
    expect(parseGitDependency('git+https://host/m.git#bad..ref')).toEqual({ problem: '"bad..ref" is not a git ref (a tag, a branch or a commit)' });
    expect(parseGitDependency('git+not a url')).toMatchObject({ problem: expect.stringContaining('is not a git URL') });
  });

  it('finds the checkout cell.lock pins, only for the same URL and ref, and only when it is there', () => {
    const commit = 'a'.repeat(40);
    const dir = files({ 'cell.lock': JSON.stringify({ lock: 1, deps: {}, git: { mailer: { url: 'file:///r.git', ref: 'v1', commit } } }) });
    expect(gitCheckoutDir(dir, 'mailer', commit)).toBe(join(dir, '.cell', 'deps', 'mailer@aaaaaaaaaaaa'));
    expect(lockedCheckout(dir, 'mailer', 'file:///r.git', 'v1')).toBeUndefined(); // not checked out yet
    mkdirSync(gitCheckoutDir(dir, 'mailer', commit), { recursive: true });
    writeFileSync(join(gitCheckoutDir(dir, 'mailer', commit), 'cell.toml'), '');
    expect(lockedCheckout(dir, 'mailer', 'file:///r.git', 'v1')).toBe(gitCheckoutDir(dir, 'mailer', commit));
    expect(lockedCheckout(dir, 'mailer', 'file:///r.git', 'v2')).toBeUndefined(); // the ref changed in cell.toml: fetch again
    expect(lockedCheckout(dir, 'other', 'file:///r.git', 'v1')).toBeUndefined();
  });
});
