import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { bwrapArgs, type SandboxLayout, systemEntries } from './bwrap-args.ts';

const defer = useTeardown();

const layout: SandboxLayout = {
  uid: 65534,
  gid: 65534,
  readOnly: [['/host/node', '/opt/cell/bin/node'], ['/host/code', '/cell']],
  writable: [['/host/data', '/data']],
  tmpBytes: 1024,
  env: { PATH: '/usr/bin', CELL_NAME: 'probe' },
  cwd: '/cell',
  command: ['/opt/cell/bin/node', '/cell/main.mjs'],
};

/** The values following each occurrence of `flag`. */
function after(args: string[], flag: string, count = 1): string[][] {
  return args.flatMap((a, i) => (a === flag ? [args.slice(i + 1, i + 1 + count)] : []));
}

describe('bwrapArgs', () => {
  const args = bwrapArgs(layout, [
    { kind: 'dir', path: '/usr' },
    { kind: 'symlink', path: '/lib', target: 'usr/lib' },
  ]);

  it('unshares every namespace, user namespaces included and disabled inside, and dies with its parent', () => {
    for (const flag of ['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session']) expect(args).toContain(flag);
    expect(args).not.toContain('--share-net');
    expect(after(args, '--uid')).toEqual([['65534']]);
    expect(after(args, '--gid')).toEqual([['65534']]);
  });

  it('passes only the given environment', () => {
    expect(args.indexOf('--clearenv')).toBeLessThan(args.indexOf('--setenv'));
    expect(after(args, '--setenv', 2)).toEqual([['PATH', '/usr/bin'], ['CELL_NAME', 'probe']]);
  });

  it('binds the system and the code read-only, only the data directory writable, and then makes the root read-only', () => {
    expect(after(args, '--ro-bind', 2)).toEqual([['/usr', '/usr'], ['/host/node', '/opt/cell/bin/node'], ['/host/code', '/cell']]);
    expect(after(args, '--symlink', 2)).toEqual([['usr/lib', '/lib']]);
    expect(after(args, '--bind', 2)).toEqual([['/host/data', '/data']]);
    expect(after(args, '--size', 3)).toEqual([['1024', '--tmpfs', '/tmp']]);
    const lastMount = Math.max(...['--ro-bind', '--bind', '--tmpfs', '--proc', '--dev', '--symlink'].map((f) => args.lastIndexOf(f)));
    expect(args.indexOf('--remount-ro')).toBeGreaterThan(lastMount);
    expect(after(args, '--remount-ro')).toEqual([['/']]);
  });

  it('ends with the command after --', () => {
    expect(args.slice(args.indexOf('--'))).toEqual(['--', '/opt/cell/bin/node', '/cell/main.mjs']);
    expect(after(args, '--chdir')).toEqual([['/cell']]);
  });
});

describe('systemEntries', () => {
  it('recreates merged-/usr symlinks and binds real directories, leaving out what is missing', () => {
    const root = tempDir(defer);
    mkdirSync(join(root, 'usr', 'lib'), { recursive: true });
    mkdirSync(join(root, 'lib64'));
    symlinkSync('usr/lib', join(root, 'lib'));
    symlinkSync('usr/bin', join(root, 'bin'));
    expect(systemEntries(root)).toEqual([
      { kind: 'dir', path: '/usr' },
      { kind: 'symlink', path: '/bin', target: 'usr/bin' },
      { kind: 'symlink', path: '/lib', target: 'usr/lib' },
      { kind: 'dir', path: '/lib64' },
    ]);
  });

  it('never exposes the host\'s /etc, /home, /root, /var or /run', () => {
    const paths = systemEntries().map((e) => e.path);
    for (const hidden of ['/etc', '/home', '/root', '/var', '/run', '/tmp', '/opt', '/srv']) expect(paths).not.toContain(hidden);
    expect(paths).toContain('/usr');
  });
});
