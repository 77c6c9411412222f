import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { JOIN_CGROUP_FAILED, sandboxArgv, spawnSandboxed, wrappedArgv } from './sandbox-spawn.ts';

const defer = useTeardown();
const isRoot = process.getuid?.() === 0;

/** Runs `spawnSandboxed` with `command` standing in for bubblewrap; resolves with its exit code and stdout. */
function run(command: string[], procs: string[], dropTo?: { uid: number; gid: number }): Promise<{ code: number | null; out: string }> {
  const [bwrap, ...args] = command;
  const child = spawnSandboxed({ bwrap: bwrap!, args, cgroupProcs: procs, dropTo, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += String(d)));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out: out.trim() })));
}

describe('spawnSandboxed', () => {
  it('joins every cgroup with its own pid, then becomes the command in that same process', async () => {
    const dir = tempDir(defer);
    const procs = [join(dir, 'memory.procs'), join(dir, 'pids.procs')];
    for (const p of procs) writeFileSync(p, '');
    const { code, out } = await run(['/bin/sh', '-c', 'echo $$; echo "$CELL_CAPSID_PROCS"'], procs);
    expect(code).toBe(0);
    const [pid, leftover] = out.split('\n');
    for (const p of procs) expect(readFileSync(p, 'utf8').trim()).toBe(pid);
    expect(leftover ?? '').toBe(''); // the list is not passed on
  });

  it('exits 125 without running the command when a cgroup cannot be joined', async () => {
    const dir = tempDir(defer);
    const { code, out } = await run(['/bin/echo', 'ran'], [join(dir, 'missing', 'cgroup.procs')]);
    expect(code).toBe(JOIN_CGROUP_FAILED);
    expect(out).toBe('');
  });

  it('drops from root to the sandbox uid, with no capabilities left, before the command runs', async () => {
    if (!isRoot) return; // nothing to drop
    const { code, out } = await run(['/bin/sh', '-c', 'id -u; id -G; grep -E "^Cap(Prm|Eff|Bnd):" /proc/self/status'], [], { uid: 65534, gid: 65534 });
    expect(code).toBe(0);
    expect(out.split('\n')).toEqual(['65534', '65534', 'CapPrm:\t0000000000000000', 'CapEff:\t0000000000000000', 'CapBnd:\t0000000000000000']);
  });

  it('is one argv: a shell that joins, setpriv only when dropping privileges, then bubblewrap', () => {
    expect(sandboxArgv({ bwrap: '/usr/bin/bwrap', args: ['--x'], dropTo: undefined }).slice(3)).toEqual(['capsid', '/usr/bin/bwrap', '--x']);
    const dropping = sandboxArgv({ bwrap: '/usr/bin/bwrap', args: [], dropTo: { uid: 7, gid: 8 } });
    expect(dropping.slice(4, 6)).toEqual(['setpriv', '--reuid=7']);
    expect(dropping).toContain('--no-new-privs');
    expect(dropping.at(-1)).toBe('/usr/bin/bwrap');
    // A capsid network: entered as root, before the drop, by the descriptor the child inherited (closed before the command runs).
    const entering = wrappedArgv({ command: ['/usr/bin/bwrap'], dropTo: { uid: 7, gid: 8 }, netnsFd: 9 });
    expect(entering.slice(4, 7)).toEqual(['nsenter', '--net=/proc/self/fd/4', '--']);
    expect(entering.slice(7, 12)).toEqual(['/bin/sh', '-c', 'exec 4<&-; exec "$@"', 'capsid', 'setpriv']);
  });
});
