import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCellConfig, loadCellTree } from '@cell/config';
import { isProcessAlive } from '@cell/host';
import { buildCell } from '../ribosome/build-cell.ts';
import { capturedLogger, cellFiles, cellToml, errorOf, type LogLine, tempDir, useTeardown, waitFor, within, whoami } from '../test-fixtures/temp-cells.ts';
import { ResourceLimiter } from './cgroups.ts';
import { CellSupervisor } from './cell-supervisor.ts';
import { SparePool } from './spare-pool.ts';
import { StartGate } from './start-gate.ts';

const deferAll = useTeardown('all');
const defer = useTeardown();

const LIFE = '[life_cycle]\ngrace = "1s"\nready_timeout = "20s"\n';
const RESTART = 'restart = { max = 3, within = "60s", backoff = "100ms..200ms" }\n';

let builds: string;

beforeAll(async () => {
  builds = tempDir(deferAll, { ...cellFiles('work', 'work'), ...cellFiles('broken', 'work', { crashOnStart: true }), ...cellFiles('stuck', 'work', { neverReady: true }) });
  await buildCell(loadCellConfig(join(builds, 'work')), {});
  await buildCell(loadCellConfig(join(builds, 'broken')), {});
  await buildCell(loadCellConfig(join(builds, 'stuck')), {});
});

/** A supervisor of a copy of a built cell with `toml` as its cell.toml; stopped after the test. */
function supervised(build: 'work' | 'broken' | 'stuck', toml: string, where?: string, spares?: SparePool) {
  const dir = where ?? join(tempDir(defer), 'cell');
  cpSync(join(builds, build), dir, { recursive: true });
  writeFileSync(join(dir, 'cell.toml'), toml);
  const node = loadCellTree(dir).root;
  const { logger, lines } = capturedLogger();
  let changes = 0;
  const sup = new CellSupervisor(node, {
    limiter: new ResourceLimiter('sup', { root: tempDir(defer) }), // no cgroups there
    log: logger,
    env: {},
    treeRoot: dir,
    changed: () => void changes++,
    gate: new StartGate(4),
    spares,
  });
  defer(() => within(sup.stop(), 15_000, 'stopping the supervisor'));
  return { sup, dir, main: join(dir, '.cell', 'build', 'main.mjs'), lines, changes: () => changes };
}

const replica0 = (sup: CellSupervisor) => sup.status(null).replicas[0]!;


const logged = (lines: LogLine[], msg: RegExp) => lines.filter((l) => msg.test(l.msg));

describe('CellSupervisor', () => {
  it('starts every replica, resolves once all answer, and stops them', async () => {
    const { sup, dir, main, lines, changes } = supervised('work', cellToml('work', { extra: `replicas = 2\n${LIFE}` }));
    await within(sup.start(main), 30_000, 'the cell to start');
    expect(sup.state).toBe('ready');
    expect(sup.isRunning).toBe(true);
    const replicas = sup.status(null).replicas;
    expect(replicas.map((r) => [r.id, r.state])).toEqual([['work-0', 'ready'], ['work-1', 'ready']]);
    for (const r of replicas) expect(await whoami(join(dir, r.socket!))).toEqual({ pid: r.pid, replica: r.id, build: 'one' });
    expect(logged(lines, /^replica ready$/).map((l) => l['replica']).sort()).toEqual(['work-0', 'work-1']);
    expect(changes()).toBeGreaterThan(0);

    await within(sup.stop(), 15_000, 'the cell to stop');
    expect(sup.state).toBe('stopped');
    for (const r of sup.status(null).replicas) expect(r).toMatchObject({ state: 'stopped', pid: null, lastExit: { reason: 'stopped' } });
    for (const r of replicas) expect(isProcessAlive(r.pid!)).toBe(false);
    // Each replica's own log: the nucleus's notes beside the cell's lines.
    const file = readFileSync(join(dir, 'log', 'work-0.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogLine);
    expect(file.filter((l) => l['component'] === 'runtime.nucleus').map((l) => l.msg)).toEqual(expect.arrayContaining(['replica starting', 'replica ready']));
  });

  it("starts a replica in the tree's spare process when one is ready, as the same cell, and forks the next", async () => {
    const spares = new SparePool({ refillDelayMs: 60_000 });
    defer(() => spares.close());
    spares.start();
    const sparePid = await waitFor('a spare to be ready', () => spares.readyPid);
    const { sup, dir, main } = supervised('work', cellToml('work', { extra: `replicas = 2\n${LIFE}` }), undefined, spares);
    await within(sup.start(main), 30_000, 'the cell to start');
    const replicas = sup.status(null).replicas;
    expect(replicas.map((r) => r.pid)).toContain(sparePid);
    for (const r of replicas) expect(await whoami(join(dir, r.socket!))).toEqual({ pid: r.pid, replica: r.id, build: 'one' });
    const notes = ['work-0', 'work-1'].flatMap((id) => readFileSync(join(dir, 'log', `${id}.log`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogLine));
    const starts = notes.filter((l) => l.msg === 'replica starting');
    expect(starts.map((l) => l['spare'] ?? false).sort()).toEqual([false, true]);
    expect(starts.find((l) => l['spare'])!['childPid']).toBe(sparePid);
  });

  it('restarts a crashed replica after the backoff, doubling it for the next crash', async () => {
    const { sup, dir, main, lines } = supervised('work', cellToml('work', { extra: `${LIFE}${RESTART}` }));
    await within(sup.start(main), 30_000, 'the cell to start');
    const first = replica0(sup);
    process.kill(first.pid!, 'SIGKILL');
    const second = await waitFor('the replica to be restarted', () => {
      const r = replica0(sup);
      return r.state === 'ready' && r.restarts === 1 && r;
    });
    expect(second.pid).not.toBe(first.pid);
    expect(second.lastExit).toMatchObject({ reason: 'crash', signal: 'SIGKILL', code: null });
    expect(second.startedAt!).toBeGreaterThanOrEqual(second.lastExit!.at + 100 - 5); // waited out the backoff
    expect(await whoami(join(dir, second.socket!))).toMatchObject({ pid: second.pid });

    process.kill(second.pid!, 'SIGKILL');
    await waitFor('the second restart', () => replica0(sup).state === 'ready' && replica0(sup).restarts === 2);
    const restarts = logged(lines, /restarting$/);
    expect(restarts.map((l) => [l.level, l['reason'], l['restartInMs'], l['restarts']])).toEqual([
      ['warn', 'crash', 100, 1],
      ['warn', 'crash', 200, 2],
    ]);
  });

  it('marks a replica failed past its restart limit, and the start fails naming it', async () => {
    const { sup, main, lines } = supervised('broken', cellToml('work', { extra: `${LIFE}restart = { max = 2, within = "60s", backoff = "10ms..40ms" }\n` }));
    const err = await errorOf(() => within(sup.start(main), 30_000, 'the start to fail'));
    expect(err.code).toBe('CELL_E_UNAVAILABLE');
    expect(err.details).toMatchObject({ cell: 'work', replica: 'work-0', lastExit: { reason: 'crash', code: 1 } });
    expect(sup.state).toBe('failed');
    expect(sup.isRunning).toBe(false);
    const status = sup.status(null);
    expect(status.failure).toMatch(/restart limit 2\): Error: boom at start$/); // the reason, not node's version footer
    expect(status.replicas[0]!.lastExit!.cause).toBe('Error: boom at start');
    expect(status.replicas[0]).toMatchObject({ state: 'failed', restarts: 2, pid: null });
    expect(status.replicas[0]!.lastExit!.logTail.some((l) => l.includes('boom at start'))).toBe(true);
    expect(logged(lines, /restarting$/)).toHaveLength(2);
    expect(logged(lines, /restart limit/)).toEqual([expect.objectContaining({ level: 'error', cell: 'work', replica: 'work-0', failure: status.failure })]);

    // Calls arriving meanwhile do not restart it: it answers at once until its restart window passed.
    for (let i = 0; i < 5; i++) {
      const refused = await errorOf(() => within(sup.ensureStarted(), 2_000, 'a start request to be refused'));
      expect(refused.code).toBe('CELL_E_UNAVAILABLE');
      expect(refused.details).toMatchObject({ cell: 'work', replica: 'work-0' });
    }
    expect(replica0(sup).restarts).toBe(2);
  });

  it('after its restart window, a failed cell may be started again on demand', async () => {
    const { sup, main } = supervised('broken', cellToml('work', { extra: `${LIFE}restart = { max = 1, within = "200ms", backoff = "10ms..20ms" }\n` }));
    await errorOf(() => within(sup.start(main), 30_000, 'the start to fail'));
    await new Promise((r) => setTimeout(r, 250));
    expect((await errorOf(() => within(sup.ensureStarted(), 30_000, 'the second start to fail'))).message).not.toContain('not restarted before');
    expect(replica0(sup).restarts).toBeGreaterThan(1);
  });

  it('a replica that misses its ready timeout is a failure: restarted with backoff, then failed — never left starting', async () => {
    const { sup, main } = supervised('stuck', cellToml('work', { extra: '[life_cycle]\ngrace = "1s"\nready_timeout = "300ms"\nrestart = { max = 1, within = "60s", backoff = "10ms..20ms" }\n' }));
    const err = await errorOf(() => within(sup.start(main), 20_000, 'the start to fail'));
    expect(err.code).toBe('CELL_E_UNAVAILABLE');
    expect(sup.state).toBe('failed');
    expect(replica0(sup)).toMatchObject({ state: 'failed', restarts: 1, lastExit: { reason: 'start-failed' } });
  });

  it('reloads by replacing each replica with a process of the new build', async () => {
    const { sup, dir, main } = supervised('work', cellToml('work', { extra: LIFE }));
    await within(sup.start(main), 30_000, 'the cell to start');
    const before = replica0(sup);
    expect(await within(sup.reload(main), 30_000, 'the reload')).toBe(1);
    const after = replica0(sup);
    expect(after).toMatchObject({ state: 'ready', restarts: 0 });
    expect(after.pid).not.toBe(before.pid);
    await waitFor('the old process to be gone', () => !isProcessAlive(before.pid!), 10_000);
    expect(await whoami(join(dir, after.socket!))).toMatchObject({ pid: after.pid });
  });

  it('cannot start on demand what was never built', async () => {
    const { sup } = supervised('work', cellToml('work', { extra: LIFE }));
    expect((await errorOf(() => sup.ensureStarted())).code).toBe('CELL_E_UNAVAILABLE');
  });

  it('removes a stale socket file, and refuses a socket another process serves', async () => {
    const stale = supervised('work', cellToml('work', { extra: LIFE }));
    mkdirSync(join(stale.dir, 'run'));
    writeFileSync(join(stale.dir, 'run', 'work-0.sock'), '');
    await within(stale.sup.start(stale.main), 30_000, 'the cell to start over a stale socket');
    expect(stale.sup.state).toBe('ready');

    const taken = supervised('work', cellToml('work', { extra: LIFE }));
    mkdirSync(join(taken.dir, 'run'));
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(join(taken.dir, 'run', 'work-0.sock'), resolve));
    defer(() => new Promise((resolve) => other.close(resolve)));
    expect((await errorOf(() => taken.sup.start(taken.main))).code).toBe('CELL_E_INVALID_ARGUMENT');
  });

  it('refuses a socket path too long for a Unix socket', async () => {
    const deep = join(tempDir(defer), 'd'.repeat(60), 'e'.repeat(30), 'cell');
    mkdirSync(join(deep, '..'), { recursive: true });
    const { sup, main } = supervised('work', cellToml('work', { extra: LIFE }), deep);
    expect((await errorOf(() => sup.start(main))).code).toBe('CELL_E_INVALID_ARGUMENT');
    expect(existsSync(join(deep, 'run', 'work-0.sock'))).toBe(false);
  });

  it('warns once when limits cannot be enforced, says so in its status, and caps the heap', async () => {
    const { sup, main, lines } = supervised('work', cellToml('work', { extra: `replicas = 2\n[resources]\nmemory = "64MiB"\n${LIFE}` }));
    await within(sup.start(main), 30_000, 'the cell to start');
    expect(logged(lines, /limits not fully enforced/)).toEqual([expect.objectContaining({ level: 'warn', cell: 'work', warning: expect.any(String) })]);
    expect(sup.status(null).limits).toMatchObject({ memoryBytes: 64 * 2 ** 20, enforcedBy: 'none', warning: expect.any(String) });
    const pid = replica0(sup).pid!;
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('--max-old-space-size=48');
  });

  it('a group without code starts at once and has no replicas to run', async () => {
    const dir = tempDir(defer, { 'cell.toml': cellToml('group', { entry: false }) });
    const sup = new CellSupervisor(loadCellTree(dir).root, { limiter: new ResourceLimiter('g', { root: tempDir(defer) }), log: capturedLogger().logger, env: {}, treeRoot: dir, changed: () => undefined, gate: new StartGate(4) });
    await within(sup.start('/nonexistent/main.mjs'), 5000, 'a group to start');
    expect(sup.hasProcess).toBe(false);
    expect(sup.state).toBe('group');
    expect(sup.status(null).replicas).toEqual([]);
  });
});
