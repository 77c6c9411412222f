import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processStartTime } from '@cell/host';
import { deadProcess, startSleeper, tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { isPidLock, isRecordedProcessAlive, pidRecord, readPidFile, tryPidLock } from './pid-lock.ts';

const defer = useTeardown();

function lockPath(): string {
  return join(tempDir(defer), 'x.lock');
}

describe('readPidFile', () => {
  it('reads the JSON record and the old plain-number form; anything else is no record', () => {
    const dir = tempDir(defer, {
      json: JSON.stringify({ pid: 42, startTime: 7 }),
      'json-no-start': JSON.stringify({ pid: 42 }),
      plain: '42\n',
      garbage: 'not a pid',
      negative: JSON.stringify({ pid: -3, startTime: 7 }),
      fraction: JSON.stringify({ pid: 4.5 }),
    });
    expect(readPidFile(join(dir, 'json'))).toEqual({ pid: 42, startTime: 7 });
    expect(readPidFile(join(dir, 'json-no-start'))).toEqual({ pid: 42, startTime: undefined });
    expect(readPidFile(join(dir, 'plain'))).toEqual({ pid: 42, startTime: undefined });
    expect(readPidFile(join(dir, 'garbage'))).toBeUndefined();
    expect(readPidFile(join(dir, 'negative'))).toBeUndefined();
    expect(readPidFile(join(dir, 'fraction'))).toBeUndefined();
    expect(readPidFile(join(dir, 'missing'))).toBeUndefined();
  });
});

describe('isRecordedProcessAlive', () => {
  it('is true for a live process with its start time, or with none recorded', () => {
    expect(isRecordedProcessAlive(pidRecord(process.pid))).toBe(true);
    expect(isRecordedProcessAlive({ pid: process.pid, startTime: undefined })).toBe(true);
  });

  it('is false for a process that is gone, and for a live pid whose start time differs (reused)', async () => {
    const dead = await deadProcess();
    expect(isRecordedProcessAlive(dead)).toBe(false);
    const ppid = process.ppid;
    const start = processStartTime(ppid)!;
    expect(isRecordedProcessAlive({ pid: ppid, startTime: start })).toBe(true);
    expect(isRecordedProcessAlive({ pid: ppid, startTime: start + 1 })).toBe(false);
  });
});

describe('tryPidLock', () => {
  it('takes a free lock, recording this process and its start time (0600), and release removes it', () => {
    const path = lockPath();
    const lock = tryPidLock(path);
    expect(isPidLock(lock)).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ pid: process.pid, startTime: processStartTime(process.pid) });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(path, '..'))).toEqual(['x.lock']); // no temporary file left behind
    if (isPidLock(lock)) lock.release();
    expect(readdirSync(join(path, '..'))).toEqual([]);
  });

  it('refuses while a live holder has it, and returns the holder', async () => {
    const sleeper = await startSleeper(defer);
    const path = lockPath();
    const holder = { pid: sleeper.pid, startTime: sleeper.startTime };
    writeFileSync(path, JSON.stringify(holder));
    const got = tryPidLock(path);
    expect(isPidLock(got)).toBe(false);
    expect(got).toEqual(holder);
    expect(readPidFile(path)).toEqual(holder); // untouched
  });

  it('refuses a second take by the process that holds it', () => {
    const path = lockPath();
    const first = tryPidLock(path);
    expect(isPidLock(first)).toBe(true);
    const second = tryPidLock(path);
    expect(isPidLock(second)).toBe(false);
    expect(second).toEqual(pidRecord(process.pid));
  });

  it('takes over at once from a holder that is gone', async () => {
    const path = lockPath();
    writeFileSync(path, JSON.stringify(await deadProcess()));
    expect(isPidLock(tryPidLock(path))).toBe(true);
    expect(readPidFile(path)).toEqual(pidRecord(process.pid));
  });

  it('treats a live pid with another start time as a reused pid: the holder is dead', () => {
    const path = lockPath();
    const ppid = process.ppid;
    writeFileSync(path, JSON.stringify({ pid: ppid, startTime: processStartTime(ppid)! + 1 }));
    expect(isPidLock(tryPidLock(path))).toBe(true);
    expect(readPidFile(path)?.pid).toBe(process.pid);
  });

  it('honours the old plain-number form: refused while that pid lives, taken over once it is gone', async () => {
    const sleeper = await startSleeper(defer);
    const live = lockPath();
    writeFileSync(live, `${sleeper.pid}\n`);
    expect(tryPidLock(live)).toEqual({ pid: sleeper.pid, startTime: undefined });

    const gone = lockPath();
    writeFileSync(gone, `${(await deadProcess()).pid}\n`);
    expect(isPidLock(tryPidLock(gone))).toBe(true);
  });

  it('takes over a file it cannot read as a record, and one naming this pid without a start time', () => {
    const garbage = lockPath();
    writeFileSync(garbage, 'half-written');
    expect(isPidLock(tryPidLock(garbage))).toBe(true);

    // A plain-number file with our own pid was left by an earlier process that had it (a container's pid 1).
    const own = lockPath();
    writeFileSync(own, `${process.pid}\n`);
    expect(isPidLock(tryPidLock(own))).toBe(true);
    expect(readPidFile(own)).toEqual(pidRecord(process.pid));
  });
});
