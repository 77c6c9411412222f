import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResourceLimiter } from '../nucleus/cgroups.ts';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { type CapsidContext, enforcedLimits, procsFiles } from './capsid-context.ts';

const defer = useTeardown();
const resources = { memoryBytes: 64 * 2 ** 20, cpu: 0.5, pids: 32 };

function context(cgroupRoot: string): CapsidContext {
  return { bwrap: '/usr/bin/bwrap', system: [], uid: 65534, gid: 65534, dropTo: undefined, nodePath: process.execPath, limiter: new ResourceLimiter('ctx', { root: cgroupRoot }), identity: [] };
}

describe('enforcedLimits', () => {
  it('gives each capsid a group of its own with memory, cpu and pids limits', () => {
    const root = tempDir(defer, { 'cgroup.controllers': 'cpu memory pids\n', 'cgroup.subtree_control': '' });
    const limits = enforcedLimits(context(root), 'probe-0', resources);
    const [procs] = procsFiles(limits);
    const dir = procs!.replace(/\/cgroup\.procs$/, '');
    expect(dir.startsWith(join(root, 'cell-ctx', 'probe-0.'))).toBe(true);
    expect(readFileSync(join(dir, 'memory.max'), 'utf8')).toBe(String(resources.memoryBytes));
    expect(readFileSync(join(dir, 'cpu.max'), 'utf8')).toBe('50000 100000');
    expect(readFileSync(join(dir, 'pids.max'), 'utf8')).toBe('32');
    expect(procsFiles(enforcedLimits(context(root), 'probe-0', resources))[0]).not.toBe(procs); // never shared
  });

  it('refuses rather than run a capsid with a limit it cannot enforce', () => {
    expect(() => enforcedLimits(context(tempDir(defer)), 'probe-0', resources)).toThrow(expect.objectContaining({ code: 'CELL_E_CAPSID_UNAVAILABLE' }));
    const noPids = tempDir(defer, { 'cgroup.controllers': 'cpu memory\n', 'cgroup.subtree_control': '' });
    expect(() => enforcedLimits(context(noPids), 'probe-0', resources)).toThrow(expect.objectContaining({ code: 'CELL_E_CAPSID_UNAVAILABLE' }));
  });
});
