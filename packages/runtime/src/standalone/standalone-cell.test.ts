import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCellConfig } from '@cell/config';
import { isProcessAlive, processStartTime } from '@cell/host';
import { readPidFile } from '../files/pid-lock.ts';
import { buildCell } from '../ribosome/build-cell.ts';
import { cellFiles, errorOf, startSleeper, tempDir, useTeardown, waitFor, within, whoami } from '../test-fixtures/temp-cells.ts';
import { LAUNCH_SPEC_FILE } from './launch-spec.ts';
import { startStandaloneCell, stopStandaloneCell } from './standalone-cell.ts';

const deferAll = useTeardown('all');
const defer = useTeardown();
const MODULE = fileURLToPath(new URL('./standalone-cell.ts', import.meta.url));
const START_MS = 30_000;

let builds: string;

beforeAll(async () => {
  builds = tempDir(deferAll, { ...cellFiles('work', 'work', { recordStarts: true }), ...cellFiles('broken', 'work', { crashOnStart: true }) });
  await buildCell(loadCellConfig(join(builds, 'work')), {});
  await buildCell(loadCellConfig(join(builds, 'broken')), {});
});

/** A copy of a built cell; whatever runs from it is stopped after the test (killed if it must be). */
function builtCell(build: 'work' | 'broken' = 'work'): { name: string; dir: string } {
  const dir = join(tempDir(defer), 'work');
  cpSync(join(builds, build), dir, { recursive: true });
  defer(async () => {
    const record = readPidFile(join(dir, 'run', 'work-0.pid'));
    await stopStandaloneCell(dir, 5000);
    if (record && isProcessAlive(record.pid) && processStartTime(record.pid) === record.startTime) process.kill(record.pid, 'SIGKILL');
  });
  return { name: 'work', dir };
}

const starts = (dir: string) => readFileSync(join(dir, 'starts.txt'), 'utf8').trim().split('\n');


describe('startStandaloneCell', () => {
  it('refuses a cell that was never built (CELL_E_UNAVAILABLE)', async () => {
    const dir = tempDir(defer, cellFiles('.', 'work'));
    expect((await errorOf(() => startStandaloneCell({ name: 'work', dir }, 1000))).code).toBe('CELL_E_UNAVAILABLE');
  });

  it('starts a built cell as a process of its own, once it accepts connections, recording its pid and start time', async () => {
    const cell = builtCell();
    await within(startStandaloneCell(cell, START_MS), START_MS + 5000, 'the standalone start');
    const record = readPidFile(join(cell.dir, 'run', 'work-0.pid'))!;
    expect(record.startTime).toBe(processStartTime(record.pid));
    expect(await whoami(join(cell.dir, 'run', 'work-0.sock'))).toMatchObject({ pid: record.pid, replica: 'work-0' });
    // Its own session: the caller's Ctrl-C does not reach it.
    const stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
    expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3])).toBe(record.pid);
    expect(existsSync(join(cell.dir, 'run', 'spawn.lock'))).toBe(false);
    await waitFor('the cell\'s own log lines', () => existsSync(join(cell.dir, 'log', 'work-0.log')) && readFileSync(join(cell.dir, 'log', 'work-0.log'), 'utf8').includes('"msg"'), 10_000);
  });

  it('does not start a second process for a cell already running', async () => {
    const cell = builtCell();
    await within(startStandaloneCell(cell, START_MS), START_MS + 5000, 'the first start');
    await within(startStandaloneCell(cell, START_MS), START_MS + 5000, 'the second start');
    expect(starts(cell.dir)).toHaveLength(1);
  });

  it('starts it once for concurrent starters in one process', async () => {
    const cell = builtCell();
    await within(Promise.all([0, 1, 2].map(() => startStandaloneCell(cell, START_MS))), START_MS + 5000, 'the concurrent starts');
    expect(starts(cell.dir)).toHaveLength(1);
  });

  it('starts it once for concurrent starters in separate processes (cell call racing cell call)', async () => {
    const cell = builtCell();
    const script = join(tempDir(defer), 'start.mjs');
    writeFileSync(
      script,
      `import { startStandaloneCell } from ${JSON.stringify(MODULE)};
try { await startStandaloneCell(${JSON.stringify(cell)}, ${START_MS}); console.log('started'); } catch (err) { console.log(err.code); }
`,
    );
    const runs = [0, 1, 2].map(
      () =>
        new Promise<string>((resolve) => {
          const child = spawn(process.execPath, ['--conditions=cell-source', script], { stdio: ['ignore', 'pipe', 'inherit'] });
          defer(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.once('exit', () => resolve(out.trim()));
        }),
    );
    expect(await within(Promise.all(runs), START_MS + 20_000, 'the starter processes')).toEqual(['started', 'started', 'started']);
    expect(starts(cell.dir)).toHaveLength(1);
  });

  it('fails with CELL_E_UNAVAILABLE when the cell exits while starting, and frees the spawn lock', async () => {
    const cell = builtCell('broken');
    expect((await errorOf(() => within(startStandaloneCell(cell, START_MS), START_MS + 5000, 'the failing start'))).code).toBe('CELL_E_UNAVAILABLE');
    expect(existsSync(join(cell.dir, 'run', 'spawn.lock'))).toBe(false);
  });

  it('fails with CELL_E_TIMEOUT when the cell does not listen in time', async () => {
    const cell = builtCell();
    writeFileSync(join(cell.dir, 'silent.mjs'), 'setInterval(() => {}, 1000);\n');
    const spec = JSON.parse(readFileSync(join(cell.dir, LAUNCH_SPEC_FILE), 'utf8')) as { main: string };
    writeFileSync(join(cell.dir, LAUNCH_SPEC_FILE), JSON.stringify({ ...spec, main: 'silent.mjs' }));
    expect((await errorOf(() => startStandaloneCell(cell, 300))).code).toBe('CELL_E_TIMEOUT');
  });
});

describe('stopStandaloneCell', () => {
  it('stops the processes its pid files name, and removes the files', async () => {
    const cell = builtCell();
    await within(startStandaloneCell(cell, START_MS), START_MS + 5000, 'the standalone start');
    const { pid } = readPidFile(join(cell.dir, 'run', 'work-0.pid'))!;
    expect(await within(stopStandaloneCell(cell.dir, 10_000), 15_000, 'the stop')).toEqual([pid]);
    expect(isProcessAlive(pid)).toBe(false);
    expect(existsSync(join(cell.dir, 'run', 'work-0.pid'))).toBe(false);
  });

  it('kills a process that does not stop within the timeout', async () => {
    const dir = tempDir(defer);
    const stubborn = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); process.send('up'); setInterval(() => {}, 1000);"], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => stubborn.once('exit', (_code, signal) => resolve(signal)));
    defer(() => stubborn.exitCode === null && stubborn.signalCode === null && stubborn.kill('SIGKILL'));
    await within(new Promise((resolve) => stubborn.once('message', resolve)), 10_000, 'the process to handle SIGTERM');
    mkdirSync(join(dir, 'run'));
    writeFileSync(join(dir, 'run', 'work-0.pid'), JSON.stringify({ pid: stubborn.pid, startTime: processStartTime(stubborn.pid!) }));
    expect(await within(stopStandaloneCell(dir, 300), 10_000, 'the stop')).toEqual([stubborn.pid]);
    expect(await within(exited, 10_000, 'the kill')).toBe('SIGKILL');
  });

  it('never signals a pid whose start time does not match, nor one recorded without a start time', async () => {
    const sleeper = await startSleeper(defer);
    const dir = tempDir(defer);
    mkdirSync(join(dir, 'run'));
    writeFileSync(join(dir, 'run', 'work-0.pid'), JSON.stringify({ pid: sleeper.pid, startTime: sleeper.startTime! + 1 }));
    writeFileSync(join(dir, 'run', 'work-1.pid'), `${sleeper.pid}\n`);
    writeFileSync(join(dir, 'run', 'nucleus.pid'), JSON.stringify({ pid: sleeper.pid, startTime: sleeper.startTime }));
    expect(await stopStandaloneCell(dir, 1000)).toEqual([]);
    expect(await sleeper.ping()).toBe(true); // a signalled process could not answer
    expect(existsSync(join(dir, 'run', 'work-0.pid'))).toBe(false);
    expect(existsSync(join(dir, 'run', 'work-1.pid'))).toBe(false);
    expect(existsSync(join(dir, 'run', 'nucleus.pid'))).toBe(true); // a tree's, not a standalone cell's
  });

  it('finds nothing to stop where nothing ran', async () => {
    expect(await stopStandaloneCell(tempDir(defer), 1000)).toEqual([]);
  });
});
