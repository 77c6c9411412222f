import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, connectDynamic } from '@cell/sdk';
import { isProcessAlive } from '@cell/host';
import { cell, cellAsync, cellOf, load, status, tempTree, type TempTree, waitStatus } from './helpers.ts';
import { workCellFiles } from './work-cell.ts';
import { workContract } from './work-contract.ts';

const contract = workContract();

let tree: TempTree | undefined;
afterEach(() => {
  tree?.remove();
  tree = undefined;
});

function start(t: TempTree): void {
  const r = cell(['mitosis', t.root, '--detach']);
  expect(r.code, r.stderr).toBe(0);
}

describe('supervision (real processes)', () => {
  it('a replica killed with SIGKILL under load costs the caller no error, and is restarted', async () => {
    tree = tempTree({ 'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n', ...workCellFiles('cells/work', { toml: 'replicas = 3' }) });
    start(tree);
    const client = connect(contract, { cell: join(tree.root, 'cells/work') });
    const seen = new Set<string>();
    const traffic = load(async () => seen.add((await client.whoami({})).replica), 16);
    await new Promise((r) => setTimeout(r, 800));
    const victim = cellOf(status(tree.root), 'work').replicas[1]!;
    process.kill(victim.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    const result = await traffic.stop();
    await client.$close();
    expect(result.errors).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(100);
    expect(seen.size).toBe(3); // load was spread over every replica
    const after = await waitStatus(tree.root, (s) => cellOf(s, 'work').state === 'ready', 15_000, 'restart');
    const replica = cellOf(after, 'work').replicas[1]!;
    expect(replica.restarts).toBe(1);
    expect(replica.pid).not.toBe(victim.pid);
    expect(replica.lastExit).toMatchObject({ reason: 'crash', signal: 'SIGKILL' });
  });

  it('a cell over its memory limit is killed, reported out of memory, and restarted per policy', { timeout: 120_000 }, async () => {
    tree = tempTree({
      'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n',
      ...workCellFiles('cells/work', { toml: '[resources]\nmemory = { max = "96MB" }\n[life_cycle]\nrestart = { max = 3, within = "60s", backoff = "50ms..200ms" }' }),
    });
    start(tree);
    const socketPath = join(tree.root, 'cells/work/run/work-0.sock');
    const before = cellOf(status(tree.root), 'work');
    expect(before.limits.memoryBytes).toBe(96_000_000);
    const hog = connectDynamic({ socketPath, timeoutMs: 30_000 });
    const outcome = await hog.call('eat', { mb: 400 }).then(
      () => 'survived',
      (e: { code: string }) => e.code,
    );
    await hog.$close();
    expect(outcome).toBe('CELL_E_UNAVAILABLE');
    // The caller's call is sent once more after its replica died; when the restarted replica takes it, it is killed
    // again (a second OOM, a second restart): either way, restarted after an OOM.
    // A loaded machine may take a while to reclaim, then kill: wait for it (bounded), and say what the replica's log
    // said if it does not come.
    const after = await waitStatus(tree.root, (s) => cellOf(s, 'work').state === 'ready' && cellOf(s, 'work').replicas[0]!.restarts >= 1, 60_000, 'restart after OOM').catch((err: Error) => {
      const log = readFileSync(join(tree!.root, 'cells/work/log/work-0.log'), 'utf8').trim().split('\n').slice(-15).join('\n');
      throw new Error(`${err.message}\nwork-0.log:\n${log}`);
    });
    const replica = cellOf(after, 'work').replicas[0]!;
    expect(replica.lastExit?.reason).toBe('oom');
    expect(replica.pid).not.toBe(before.replicas[0]!.pid);
    const log = readFileSync(join(tree.root, 'cells/work/log/work-0.log'), 'utf8');
    expect(log).toContain('"reason":"oom"');
  });

  it('a poison call that kills its replica is sent to one more replica, never a third, and the caller is told why', async () => {
    tree = tempTree({
      'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n',
      ...workCellFiles('cells/work', { toml: 'replicas = 4\n[resources]\nmemory = { max = "96MB" }\n[life_cycle]\nrestart = { max = 10, within = "60s", backoff = "50ms..200ms" }' }),
    });
    start(tree);
    const client = connect(contract, { cell: join(tree.root, 'cells/work'), timeoutMs: 60_000 });
    const r = await client.eat.try({ mb: 400 });
    await client.$close();
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({ code: 'CELL_E_UNAVAILABLE', details: { lostInFlight: 2 } });
    const after = await waitStatus(tree.root, (s) => cellOf(s, 'work').state === 'ready', 20_000, 'restarts after the poison call');
    const ooms = cellOf(after, 'work').replicas.filter((x) => x.lastExit?.reason === 'oom').length;
    expect(ooms).toBe(2); // the first replica, and the one it was failed over to: not all four
  });

  it('a crashing cell is marked failed past its restart limit; the rest keeps running', async () => {
    tree = tempTree({
      'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n',
      ...workCellFiles('cells/work'),
      ...workCellFiles('cells/broken', { name: 'broken', crashOnStart: true, toml: '[life_cycle]\nrestart = { max = 2, within = "60s", backoff = "10ms..50ms" }' }),
    });
    const r = cell(['mitosis', tree.root, '--detach']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('broken');
    expect(r.stderr).toContain('boom at start');
    const s = status(tree.root);
    expect(cellOf(s, 'broken').state).toBe('failed');
    expect(cellOf(s, 'broken').failure).toContain('3 times');
    expect(cellOf(s, 'broken').replicas[0]!.restarts).toBe(2);
    expect(cellOf(s, 'work').state).toBe('ready');
  });

  it('idle_timeout: the cell exits when unused, and the next call starts it again', async () => {
    tree = tempTree({ 'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n', ...workCellFiles('cells/work', { toml: '[life_cycle]\nidle_timeout = "1s"' }) });
    start(tree);
    const client = connect(contract, { cell: join(tree.root, 'cells/work') });
    const first = await client.whoami({});
    // A connection that stays open keeps the cell alive; closing it lets the idle clock run.
    await new Promise((r) => setTimeout(r, 1500));
    expect(cellOf(status(tree.root), 'work').state).toBe('ready');
    await client.$close();
    const idle = await waitStatus(tree.root, (s) => cellOf(s, 'work').state === 'idle' && s.nucleus.sparePid !== undefined, 10_000, 'idle exit, and a spare process');
    expect(cellOf(idle, 'work').replicas[0]!.lastExit).toMatchObject({ reason: 'idle', code: 0 });
    const again = connect(contract, { cell: join(tree.root, 'cells/work') });
    const second = await again.whoami({});
    await again.$close();
    expect(second.pid).not.toBe(first.pid);
    // The tree keeps a spare Node process for a sleeping cell: the call woke the cell in it.
    expect(second).toEqual({ pid: idle.nucleus.sparePid, replica: 'work-0', version: 'v1' });
    expect(cellOf(status(tree.root), 'work').state).toBe('ready');
    // Another spare takes its place, and goes with the tree (this process, blocked in `cell stop`, still holds its connection to the nucleus).
    const next = (await waitStatus(tree.root, (s) => s.nucleus.sparePid !== undefined, 10_000, 'the next spare')).nucleus.sparePid!;
    expect(next).not.toBe(second.pid);
    expect(cell(['stop', tree.root]).code).toBe(0);
    expect(isProcessAlive(next)).toBe(false);
  });

  it('reload replaces every replica under load without a single failed call', async () => {
    tree = tempTree({ 'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n', ...workCellFiles('cells/work', { toml: 'replicas = 2' }) });
    start(tree);
    const before = cellOf(status(tree.root), 'work').replicas.map((r) => r.pid);
    const client = connect(contract, { cell: join(tree.root, 'cells/work') });
    const versions = new Set<string>();
    const traffic = load(async () => versions.add((await client.whoami({})).version), 16);
    await new Promise((r) => setTimeout(r, 500));
    tree.write('cells/work/src/main.ts', workCellFiles('cells/work', { version: 'v2' })['cells/work/src/main.ts']!);
    const r = cell(['reload', join(tree.root, 'cells/work')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('rebuilt; replaced 2 replicas');
    await new Promise((r) => setTimeout(r, 500));
    const result = await traffic.stop();
    const last = await client.whoami({});
    await client.$close();
    expect(result.errors).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(100);
    expect(versions).toEqual(new Set(['v1', 'v2']));
    expect(last.version).toBe('v2');
    const after = cellOf(status(tree.root), 'work').replicas.map((r) => r.pid);
    expect(after.some((p) => before.includes(p))).toBe(false);
  });

  it('a cell of many replicas starts a few at a time; status answers and stop works at any moment of its start', async () => {
    tree = tempTree({ 'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n', ...workCellFiles('cells/work', { toml: 'replicas = 40', startDelayMs: 1500 }) });
    const detach = cellAsync(['mitosis', tree.root, '--detach'], { timeoutMs: 120_000 });
    const seen = await waitStatus(tree.root, (s) => cellOf(s, 'work').replicas.some((r) => r.state === 'ready'), 60_000, 'a first replica ready');
    const work = cellOf(seen, 'work');
    expect(seen.nucleus.phase).toBe('starting');
    // Bounded: far fewer than 40 processes were started at once.
    expect(work.replicas.filter((r) => r.pid !== null).length).toBeLessThan(20);
    const asked = Date.now();
    status(tree.root); // the control socket answers while replicas start
    expect(Date.now() - asked).toBeLessThan(10_000);
    const root = tree.root;
    const started = cellOf(status(root), 'work').replicas.map((r) => r.pid).filter((p): p is number => p !== null);
    const stop = cell(['stop', root]);
    expect(stop.code, stop.stderr).toBe(0);
    expect((await detach).code).not.toBe(0); // the start it was waiting for was stopped
    for (const pid of started) expect(isProcessAlive(pid)).toBe(false);
  });

  it('losing run/ under a running tree: the nucleus puts it back; status, calls and stop keep working, and no unsupervised copy starts', async () => {
    tree = tempTree({ 'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n', ...workCellFiles('cells/work') });
    start(tree);
    const root = tree.root;
    const before = cellOf(status(root), 'work').replicas[0]!.pid!;
    rmSync(join(root, 'run'), { recursive: true, force: true });
    rmSync(join(root, 'cells/work/run'), { recursive: true, force: true });
    const after = await waitStatus(root, (s) => cellOf(s, 'work').state === 'ready' && cellOf(s, 'work').replicas[0]!.pid !== before, 30_000, 'the cell served again');
    const call = cell(['call', join(root, 'cells/work'), 'whoami']);
    expect(call.code, call.stderr).toBe(0);
    expect((JSON.parse(call.stdout) as { pid: number }).pid).toBe(cellOf(after, 'work').replicas[0]!.pid); // the supervised replica, not a copy
    expect(cell(['stop', root]).code).toBe(0);
    expect(spawnSync('pgrep', ['-f', root]).stdout.toString().trim()).toBe('');
  });
});
