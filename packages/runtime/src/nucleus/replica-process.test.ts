import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCellConfig } from '@cell/config';
import { connectDynamic } from '@cell/sdk';
import { buildCell } from '../ribosome/build-cell.ts';
import { cellFiles, errorOf, tempDir, useTeardown, waitFor, within } from '../test-fixtures/temp-cells.ts';
import type { ReplicaLimits } from './cgroups.ts';
import { ReplicaLog } from './replica-log.ts';
import { type ProcessSpec, ReplicaProcess } from './replica-process.ts';

const deferAll = useTeardown('all');
const defer = useTeardown();
const START_MS = 20_000;

const NO_LIMITS: ReplicaLimits = { enforcedBy: 'none', warning: undefined, env: {}, execArgv: [], oomKilled: () => false, release: () => undefined };

let root: string;
let serving: string;
let crashing: string;
/** A script that never listens: prints its flags and limits, then waits. */
let silent: string;

beforeAll(async () => {
  root = tempDir(deferAll, {
    ...cellFiles('work', 'work'),
    ...cellFiles('broken', 'broken', { crashOnStart: true }),
    'silent/main.mjs': "console.log(JSON.stringify({ msg: 'flags', argv: process.execArgv, procs: process.env.CELL_CGROUP_PROCS ?? null }));\nsetInterval(() => {}, 1000);\n",
  });
  serving = (await buildCell(loadCellConfig(join(root, 'work')), {})).main;
  crashing = (await buildCell(loadCellConfig(join(root, 'broken')), {})).main;
  silent = join(root, 'silent/main.mjs');
});

/** Forks a replica of `main`; teardown kills it and closes its log. */
function replica(main: string, over: Partial<ProcessSpec> = {}): { proc: ReplicaProcess; log: ReplicaLog; logFile: string; socket: string } {
  const dir = tempDir(defer);
  mkdirSync(join(dir, 'run'));
  const socket = join(dir, 'run', 'work-0.sock');
  const logFile = join(dir, 'log', 'work-0.log');
  const log = new ReplicaLog(logFile, { cell: 'work', replica: 'work-0' });
  defer(() => log.close());
  const proc = new ReplicaProcess({ cell: 'work', replicaId: 'work-0', dir, main, socket, env: {}, limits: NO_LIMITS, log, readyTimeoutMs: START_MS, ...over });
  defer(() => proc.kill());
  return { proc, log, logFile, socket };
}

describe('ReplicaProcess', () => {
  it('is ready once it answers a handshake on its socket, as the replica it was told it is', async () => {
    const { proc, socket } = replica(serving);
    await within(proc.ready, START_MS + 5000, 'the replica to be ready');
    expect(proc.isRunning).toBe(true);
    const client = connectDynamic({ socketPath: socket, timeoutMs: 10_000 });
    defer(() => client.$close());
    expect(await client.call('whoami', {})).toEqual({ pid: proc.pid, replica: 'work-0', build: 'one' });
    expect(proc.rssBytes()).toBeGreaterThan(1024 * 1024);
    expect(await proc.stats(5000)).toMatchObject({ type: 'cell:stats', connections: expect.any(Number), inFlight: 0 });
  });

  it('drains on request and reports the exit as requested', async () => {
    const { proc } = replica(serving);
    await within(proc.ready, START_MS + 5000, 'the replica to be ready');
    const exit = await within(proc.drain(2000), 10_000, 'the drain');
    expect(exit).toMatchObject({ code: 0, signal: null, idle: false, requested: true });
    expect(proc.isRunning).toBe(false);
    expect(proc.rssBytes()).toBeNull();
    expect(await proc.stats()).toBeUndefined();
  });

  it('kill ends it at once, as requested', async () => {
    const { proc } = replica(serving);
    await within(proc.ready, START_MS + 5000, 'the replica to be ready');
    expect(await within(proc.kill(), 10_000, 'the kill')).toMatchObject({ code: null, signal: 'SIGKILL', requested: true, idle: false });
  });

  it('reports a process killed from outside as not requested', async () => {
    const { proc } = replica(serving);
    await within(proc.ready, START_MS + 5000, 'the replica to be ready');
    process.kill(proc.pid, 'SIGKILL');
    expect(await within(proc.exited, 10_000, 'the exit')).toMatchObject({ signal: 'SIGKILL', requested: false, idle: false });
  });

  it('exits by itself after its idle timeout, announced as idle', async () => {
    const { proc } = replica(serving, { env: { CELL_IDLE_TIMEOUT_MS: '200' } });
    await within(proc.ready, START_MS + 5000, 'the replica to be ready');
    expect(await within(proc.exited, 15_000, 'the idle exit')).toMatchObject({ code: 0, idle: true, requested: false });
  });

  it('fails to be ready when it dies starting, and its last words are in the log', async () => {
    const { proc, log } = replica(crashing);
    const err = await errorOf(() => within(proc.ready, START_MS + 5000, 'the start to fail'));
    expect(err.code).toBe('CELL_E_UNAVAILABLE');
    expect(await proc.exited).toMatchObject({ code: 1, requested: false, idle: false });
    await waitFor('the crash in the log tail', () => log.tail().some((l) => l.includes('boom at start')), 10_000);
  });

  it('fails to be ready when it does not answer in time (CELL_E_TIMEOUT), and stays killable', async () => {
    const { proc } = replica(silent, { readyTimeoutMs: 300 });
    expect((await errorOf(() => within(proc.ready, 15_000, 'the ready timeout'))).code).toBe('CELL_E_TIMEOUT');
    expect(proc.isRunning).toBe(true);
    expect(await within(proc.kill(), 10_000, 'the kill')).toMatchObject({ signal: 'SIGKILL', requested: true });
  });

  it('starts the process with its limits: node flags and the cgroups to join', async () => {
    const limits: ReplicaLimits = { ...NO_LIMITS, execArgv: ['--max-old-space-size=48'], env: { CELL_CGROUP_PROCS: '/nowhere/cgroup.procs' } };
    const { logFile } = replica(silent, { limits });
    const line = await waitFor('the process to print its flags', () => existsSync(logFile) && readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('"flags"')), 15_000);
    expect(JSON.parse(line)).toEqual({ msg: 'flags', argv: ['--max-old-space-size=48'], procs: '/nowhere/cgroup.procs' });
  });
});
