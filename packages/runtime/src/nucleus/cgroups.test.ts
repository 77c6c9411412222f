import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { ResourceLimiter } from './cgroups.ts';

const defer = useTeardown();
const MiB = 2 ** 20;

/** A limiter on this machine's real cgroup mount, its groups removed after the test. */
function realLimiter(): { limiter: ResourceLimiter; id: string } {
  const id = `test-${randomUUID().slice(0, 8)}`;
  const limiter = new ResourceLimiter(id);
  defer(() => limiter.releaseAll());
  return { limiter, id };
}

const read = (path: string) => readFileSync(path, 'utf8').trim();

describe('ResourceLimiter on this machine', () => {
  it('reports the enforcer its probe found, and creates the tree\'s groups only where it found one', () => {
    const { limiter, id } = realLimiter();
    expect(['cgroup-v2', 'cgroup-v1', 'none']).toContain(limiter.enforcer);
    const group = `cell-${id}`;
    if (limiter.enforcer === 'cgroup-v2') {
      expect(limiter.unavailableReason).toBeUndefined();
      expect(existsSync(join('/sys/fs/cgroup', group))).toBe(true);
    } else if (limiter.enforcer === 'cgroup-v1') {
      expect(limiter.unavailableReason).toBeUndefined();
      expect(existsSync(join('/sys/fs/cgroup/memory', group))).toBe(true);
      expect(existsSync(join('/sys/fs/cgroup/cpu', group))).toBe(true);
    } else {
      expect(limiter.unavailableReason).toEqual(expect.any(String));
    }
  });

  it('asks nothing of a replica that requests no limits', () => {
    const { limiter } = realLimiter();
    const limits = limiter.limit('plain-0.g1', { memoryBytes: undefined, cpu: undefined });
    expect(limits).toMatchObject({ enforcedBy: 'none', warning: undefined, env: {}, execArgv: [] });
    expect(limits.oomKilled()).toBe(false);
  });

  it('enforces requested memory and cpu with whichever enforcer it found (a heap cap with a warning where none)', () => {
    const { limiter, id } = realLimiter();
    const key = 'work-0.g1';
    const limits = limiter.limit(key, { memoryBytes: 64 * MiB, cpu: 0.5 });
    defer(() => limits.release());
    expect(limits.enforcedBy).toBe(limiter.enforcer);
    expect(limits.oomKilled()).toBe(false);
    if (limiter.enforcer === 'none') {
      expect(limits.warning).toEqual(expect.any(String));
      expect(limits.env).toEqual({});
      expect(limits.execArgv).toEqual(['--max-old-space-size=48']);
      return;
    }
    expect(limits.warning).toBeUndefined();
    expect(limits.execArgv).toEqual([]);
    if (limiter.enforcer === 'cgroup-v2') {
      const dir = join('/sys/fs/cgroup', `cell-${id}`, key);
      expect(limits.env).toEqual({ CELL_CGROUP_PROCS: join(dir, 'cgroup.procs') });
      expect(read(join(dir, 'memory.max'))).toBe(String(64 * MiB));
      expect(read(join(dir, 'cpu.max'))).toBe('50000 100000');
      limits.release();
      expect(existsSync(dir)).toBe(false);
    } else {
      const memDir = join('/sys/fs/cgroup/memory', `cell-${id}`, key);
      const cpuDir = join('/sys/fs/cgroup/cpu', `cell-${id}`, key);
      expect(limits.env).toEqual({ CELL_CGROUP_PROCS: `${join(memDir, 'cgroup.procs')}:${join(cpuDir, 'cgroup.procs')}` });
      expect(read(join(memDir, 'memory.limit_in_bytes'))).toBe(String(64 * MiB));
      expect(read(join(cpuDir, 'cpu.cfs_quota_us'))).toBe('50000');
      expect(read(join(cpuDir, 'cpu.cfs_period_us'))).toBe('100000');
      limits.release();
      expect(existsSync(memDir)).toBe(false);
      expect(existsSync(cpuDir)).toBe(false);
    }
  });

  it('sets sane limits without a warning over a group an earlier run of the tree left with other limits', () => {
    const { id } = realLimiter();
    // An earlier nucleus of the same tree, killed before it removed its replica's group (lower limits, pages charged).
    const earlier = new ResourceLimiter(id);
    earlier.limit('work-0.g1', { memoryBytes: 64 * MiB, cpu: 0.25 });
    const later = new ResourceLimiter(id);
    for (const memoryBytes of [256 * MiB, 32 * MiB]) {
      const limits = later.limit('work-0.g1', { memoryBytes, cpu: 1 });
      expect(limits.warning).toBe(later.enforcer === 'none' ? expect.any(String) : undefined);
      expect(limits.enforcedBy).toBe(later.enforcer);
      if (later.enforcer === 'cgroup-v1') expect(read(join('/sys/fs/cgroup/memory', `cell-${id}`, 'work-0.g1', 'memory.limit_in_bytes'))).toBe(String(memoryBytes));
      if (later.enforcer === 'cgroup-v2') expect(read(join('/sys/fs/cgroup', `cell-${id}`, 'work-0.g1', 'memory.max'))).toBe(String(memoryBytes));
    }
  });

  it('limits the task count on this machine when its pids controller can be written', () => {
    const { limiter, id } = realLimiter();
    if (!limiter.canLimitPids) return; // nothing to enforce it with here: covered on given mounts below
    const limits = limiter.limit('fork-0.g1', { memoryBytes: undefined, cpu: undefined, pids: 40 });
    defer(() => limits.release());
    const dir = limiter.enforcer === 'cgroup-v2' ? join('/sys/fs/cgroup', `cell-${id}`, 'fork-0.g1') : join('/sys/fs/cgroup/pids', `cell-${id}`, 'fork-0.g1');
    expect(read(join(dir, 'pids.max'))).toBe('40');
    expect(limits.env['CELL_CGROUP_PROCS']).toContain(join(dir, 'cgroup.procs'));
  });

  it('releaseAll removes the tree\'s groups, with replica groups not released yet', () => {
    const { limiter, id } = realLimiter();
    limiter.limit('late-0.g1', { memoryBytes: 64 * MiB, cpu: 1 }); // never released by the replica
    limiter.releaseAll();
    for (const base of ['/sys/fs/cgroup', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/cpu']) {
      expect(existsSync(join(base, `cell-${id}`))).toBe(false);
    }
  });
});

describe('ResourceLimiter on a given cgroup mount', () => {
  it('uses cgroup v2 where the mount lists a memory controller', () => {
    const root = tempDir(defer, { 'cgroup.controllers': 'cpuset cpu io memory pids\n', 'cgroup.subtree_control': '' });
    const limiter = new ResourceLimiter('t2', { root });
    expect(limiter.enforcer).toBe('cgroup-v2');
    expect(limiter.canLimitPids).toBe(true);
    expect(read(join(root, 'cgroup.subtree_control'))).toBe('+memory +cpu +pids');
    expect(read(join(root, 'cell-t2', 'cgroup.subtree_control'))).toBe('+memory +cpu +pids');

    const dir = join(root, 'cell-t2', 'api-0.g3');
    const limits = limiter.limit('api-0.g3', { memoryBytes: 96 * MiB, cpu: 2 });
    expect(limits).toMatchObject({ enforcedBy: 'cgroup-v2', warning: undefined, env: { CELL_CGROUP_PROCS: join(dir, 'cgroup.procs') }, execArgv: [] });
    expect(read(join(dir, 'memory.max'))).toBe(String(96 * MiB));
    expect(read(join(dir, 'cpu.max'))).toBe('200000 100000');
    expect(limits.oomKilled()).toBe(false);
    writeFileSync(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    expect(limits.oomKilled()).toBe(true);
  });

  it('limits the task count with pids.max where v2 offers pids, and warns where it does not', () => {
    const root = tempDir(defer, { 'cgroup.controllers': 'cpu memory pids\n', 'cgroup.subtree_control': '' });
    const limits = new ResourceLimiter('t2', { root }).limit('box-0.g1', { memoryBytes: undefined, cpu: undefined, pids: 64 });
    expect(limits).toMatchObject({ enforcedBy: 'cgroup-v2', warning: undefined });
    expect(read(join(root, 'cell-t2', 'box-0.g1', 'pids.max'))).toBe('64');

    const noPids = tempDir(defer, { 'cgroup.controllers': 'cpu memory\n', 'cgroup.subtree_control': '' });
    const limiter = new ResourceLimiter('t2', { root: noPids });
    expect(limiter.canLimitPids).toBe(false);
    expect(read(join(noPids, 'cgroup.subtree_control'))).toBe('+memory +cpu');
    expect(limiter.limit('box-0.g1', { memoryBytes: 64 * MiB, cpu: undefined, pids: 64 }).warning).toEqual(expect.any(String));
  });

  it('counts only OOM kills after the replica started', () => {
    const root = tempDir(defer, { 'cgroup.controllers': 'memory\n', 'cgroup.subtree_control': '', 'cell-t2/api-0.g1/memory.events': 'oom_kill 2\n' });
    const limits = new ResourceLimiter('t2', { root }).limit('api-0.g1', { memoryBytes: 64 * MiB, cpu: undefined });
    expect(limits.oomKilled()).toBe(false);
    writeFileSync(join(root, 'cell-t2/api-0.g1/memory.events'), 'oom_kill 3\n');
    expect(limits.oomKilled()).toBe(true);
  });

  it('uses cgroup v1 where memory and cpu hierarchies are mounted', () => {
    const root = tempDir(defer, { 'memory/cgroup.procs': '', 'cpu/cgroup.procs': '' });
    const limiter = new ResourceLimiter('t1', { root });
    expect(limiter.enforcer).toBe('cgroup-v1');
    const memDir = join(root, 'memory', 'cell-t1', 'db-0.g1');
    const cpuDir = join(root, 'cpu', 'cell-t1', 'db-0.g1');

    const memOnly = limiter.limit('db-0.g1', { memoryBytes: 64 * MiB, cpu: undefined });
    expect(memOnly.env).toEqual({ CELL_CGROUP_PROCS: join(memDir, 'cgroup.procs') });
    expect(read(join(memDir, 'memory.limit_in_bytes'))).toBe(String(64 * MiB));
    expect(existsSync(cpuDir)).toBe(false);

    const both = limiter.limit('db-0.g1', { memoryBytes: undefined, cpu: 0.25 });
    expect(both.env).toEqual({ CELL_CGROUP_PROCS: `${join(memDir, 'cgroup.procs')}:${join(cpuDir, 'cgroup.procs')}` });
    expect(read(join(cpuDir, 'cpu.cfs_quota_us'))).toBe('25000');
    writeFileSync(join(memDir, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    expect(both.oomKilled()).toBe(true);
  });

  it('limits the task count in the v1 pids hierarchy when it is mounted and a limit is asked for', () => {
    const root = tempDir(defer, { 'memory/cgroup.procs': '', 'cpu/cgroup.procs': '', 'pids/cgroup.procs': '' });
    const limiter = new ResourceLimiter('t1', { root });
    expect(limiter.canLimitPids).toBe(true);
    const memDir = join(root, 'memory', 'cell-t1', 'box-0.g1');
    const pidsDir = join(root, 'pids', 'cell-t1', 'box-0.g1');
    const limits = limiter.limit('box-0.g1', { memoryBytes: 64 * MiB, cpu: undefined, pids: 32 });
    expect(limits.env).toEqual({ CELL_CGROUP_PROCS: `${join(memDir, 'cgroup.procs')}:${join(pidsDir, 'cgroup.procs')}` });
    expect(read(join(pidsDir, 'pids.max'))).toBe('32');
    expect(limiter.limit('box-1.g1', { memoryBytes: 64 * MiB, cpu: undefined }).env['CELL_CGROUP_PROCS']).not.toContain('/pids/');
    expect(new ResourceLimiter('t1', { root: tempDir(defer, { 'memory/cgroup.procs': '', 'cpu/cgroup.procs': '' }) }).canLimitPids).toBe(false);
  });

  it('enforces nothing where neither version is there, and caps the heap instead, with a warning', () => {
    const limiter = new ResourceLimiter('t0', { root: tempDir(defer) });
    expect(limiter.enforcer).toBe('none');
    expect(limiter.unavailableReason).toEqual(expect.any(String));
    expect(limiter.limit('a-0.g1', { memoryBytes: undefined, cpu: undefined })).toMatchObject({ warning: undefined, execArgv: [], env: {} });
    const mem = limiter.limit('a-0.g1', { memoryBytes: 64 * MiB, cpu: undefined });
    expect(mem).toMatchObject({ enforcedBy: 'none', warning: expect.any(String), env: {}, execArgv: ['--max-old-space-size=48'] });
    expect(limiter.limit('a-0.g1', { memoryBytes: 8 * MiB, cpu: undefined }).execArgv).toEqual(['--max-old-space-size=16']); // a floor V8 can run with
    expect(limiter.limit('a-0.g1', { memoryBytes: undefined, cpu: 1 })).toMatchObject({ enforcedBy: 'none', warning: expect.any(String), execArgv: [] });
  });

  it('falls back to the heap cap, with a warning, when a replica\'s group cannot be created', () => {
    const root = tempDir(defer, { 'cgroup.controllers': 'memory cpu\n', 'cgroup.subtree_control': '' });
    const limiter = new ResourceLimiter('gone', { root });
    expect(limiter.enforcer).toBe('cgroup-v2');
    rmSync(join(root, 'cell-gone'), { recursive: true }); // the tree's group vanished under it
    expect(limiter.limit('x-0.g1', { memoryBytes: 64 * MiB, cpu: undefined })).toMatchObject({ enforcedBy: 'none', warning: expect.any(String), execArgv: ['--max-old-space-size=48'] });
  });
});
