import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '@cell/host';
import type { ReplicaLimits } from '../nucleus/cgroups.ts';
import { ReplicaLog } from '../nucleus/replica-log.ts';
import { tempDir, useTeardown, waitFor } from '../test-fixtures/temp-cells.ts';
import { ExecProcess, type ExecSpec } from './exec-process.ts';
import { allocatePorts } from './port-allocation.ts';

const defer = useTeardown();
const NO_LIMITS: ReplicaLimits = { enforcedBy: 'none', warning: undefined, env: {}, execArgv: [], oomKilled: () => false, release: () => undefined };

/** Runs a shell script as a process cell's replica; teardown kills it and closes its log. */
function run(script: string, over: Partial<ExecSpec> = {}): { proc: ExecProcess; dir: string; logFile: string } {
  const dir = tempDir(defer);
  const logFile = join(dir, 'log', 'sh-0.log');
  const log = new ReplicaLog(logFile, { cell: 'sh', replica: 'sh-0' });
  const proc = new ExecProcess({
    cell: 'sh',
    replicaId: 'sh-0',
    cwd: dir,
    command: ['/bin/sh', '-c', script],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    user: undefined,
    limits: NO_LIMITS,
    log,
    ready: { kind: 'started' },
    readyTimeoutMs: 10_000,
    stopSignal: 'SIGTERM',
    ...over,
  });
  defer(async () => {
    await proc.kill();
    await log.close();
  });
  return { proc, dir, logFile };
}

/** The complete lines of a log file (one still being written, or not made yet, gives what is whole). */
const logLines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '').split('\n').slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('ExecProcess', () => {
  it('runs the executable in its directory with its environment; its output becomes JSON log lines', async () => {
    const { proc, dir, logFile } = run('echo "hello $GREETING from $(pwd)"; echo oops >&2; exit 3', { env: { PATH: '/usr/bin:/bin', GREETING: 'world' } });
    await proc.ready;
    const exit = await proc.exited;
    expect(exit).toMatchObject({ code: 3, signal: null, requested: false, unready: false });
    await waitFor('the log lines', () => logLines(logFile).length >= 2 && logLines(logFile));
    // Two pipes: which line reaches the log first is up to the scheduler.
    expect(logLines(logFile)).toEqual(expect.arrayContaining([
      expect.objectContaining({ level: 'info', cell: 'sh', replica: 'sh-0', component: 'stdout', msg: `hello world from ${dir}` }),
      expect.objectContaining({ level: 'error', cell: 'sh', replica: 'sh-0', component: 'stderr', msg: 'oops' }),
    ]));
  });

  it('is ready when its TCP port accepts, and not before', async () => {
    const port = (await allocatePorts('sh', [{ name: 'http', port: 0 }], 1))[0]![0]!.port;
    const script = `sleep 0.3; exec ${JSON.stringify(process.execPath)} -e "require('net').createServer(s => s.end()).listen(${port}, '127.0.0.1')"`;
    const started = Date.now();
    const { proc } = run(script, { ready: { kind: 'tcp', port } });
    await proc.ready;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(proc.isRunning).toBe(true);
  });

  it('is ready on a log line matching its pattern', async () => {
    const { proc } = run('echo starting; sleep 0.2; echo "database system is ready to accept connections"; sleep 600', { ready: { kind: 'log', pattern: /ready to accept connections/ } });
    await proc.ready;
    expect(proc.isRunning).toBe(true);
  });

  it('fails readiness when it exits while starting, or when its check never passes in time', async () => {
    const dies = run('exit 7', { ready: { kind: 'tcp', port: 1 } });
    await expect(dies.proc.ready).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE', message: 'sh-0 exited while starting (code 7)' });
    const slow = run('sleep 600', { ready: { kind: 'log', pattern: /never/ }, readyTimeoutMs: 200 });
    await expect(slow.proc.ready).rejects.toMatchObject({ code: 'CELL_E_TIMEOUT', message: 'sh-0 did not become ready within 200 ms (waited for a log line matching /never/)' });
    expect(await slow.proc.killUnready()).toMatchObject({ unready: true, signal: 'SIGKILL' });
  });

  it('stops with its stop signal; what ignores it is killed with its whole group after the grace period', async () => {
    const { proc, dir } = run(`trap 'echo got-int > stopped; exit 0' INT; echo up; while :; do sleep 0.05; done`, { stopSignal: 'SIGINT' });
    await proc.ready;
    await waitFor('the trap to be set', () => proc.rssBytes() !== null);
    await new Promise((r) => setTimeout(r, 100));
    expect(await proc.drain(5000)).toMatchObject({ code: 0, requested: true });
    expect(readFileSync(join(dir, 'stopped'), 'utf8').trim()).toBe('got-int');

    const stubborn = run(`trap '' TERM; sleep 600 & echo $! > child; while :; do sleep 0.05; done`);
    const childFile = join(stubborn.dir, 'child');
    const child = await waitFor('the child pid', () => {
      try {
        return Number(readFileSync(childFile, 'utf8')) || undefined;
      } catch {
        return undefined;
      }
    });
    expect(await stubborn.proc.drain(200)).toMatchObject({ signal: 'SIGKILL', requested: true });
    await waitFor('the child to die with its group', () => !isProcessAlive(child));
  });

  it('leaves nothing behind when it exits: its children are killed with the group', async () => {
    const { proc, dir } = run('sleep 600 & echo $! > child; sleep 0.1; exit 0');
    await proc.exited;
    const child = Number(readFileSync(join(dir, 'child'), 'utf8'));
    await waitFor('the orphaned child to be killed', () => !isProcessAlive(child));
  });

  it('an executable gone between the check and the start exits 127, like any crash; nothing throws', async () => {
    const { proc } = run('exec /nonexistent/binary');
    expect(await proc.exited).toMatchObject({ code: 127 });
  });
});
