import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { CellError } from '@cell/protocol';
import { isProcessAlive, processStartTime } from '@cell/host';

/** What a pid file records: the process, and when it started (so a reused pid is not mistaken for it). */
export interface PidRecord {
  pid: number;
  /** Clock ticks since boot (`/proc/<pid>/stat`); undefined where unknown. */
  startTime: number | undefined;
}

/** The record a pid file holds, if it is readable. Accepts the old plain-number form. */
export function readPidFile(path: string): PidRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (/^\d+$/.test(text)) return { pid: Number(text), startTime: undefined };
  try {
    const r = JSON.parse(text) as Partial<PidRecord>;
    return typeof r.pid === 'number' && Number.isInteger(r.pid) && r.pid > 0 ? { pid: r.pid, startTime: typeof r.startTime === 'number' ? r.startTime : undefined } : undefined;
  } catch {
    return undefined;
  }
}

/** The record of `pid` as it runs now. */
export function pidRecord(pid: number): PidRecord {
  return { pid, startTime: processStartTime(pid) };
}

/** True when the recorded process still runs: same pid, alive, and (where recorded) same start time. */
export function isRecordedProcessAlive(record: PidRecord): boolean {
  if (!isProcessAlive(record.pid)) return false;
  if (record.startTime === undefined) return true;
  return processStartTime(record.pid) === record.startTime;
}

/** A pid file held by this process. */
export interface PidLock {
  release(): void;
}

/**
 * Takes `path` as a lock owned by this process: our pid and start time, written to a temporary
 * file and hard-linked into place, which fails if the lock exists — so a reader never sees a
 * half-written lock. A file left by a process that is gone (or whose pid now names another process) is
 * taken over at once; a live holder is returned instead of a lock.
 *
 * Hand-written rather than proper-lockfile: that library detects a dead holder by an mtime it must
 * keep refreshing, so a SIGKILLed holder blocks for its stale period, and it records no pid — here
 * the lock must pass on the moment its holder is dead and say who holds it.
 */
export function tryPidLock(path: string): PidLock | PidRecord {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    // Inside the try: on a full disk the write fails, and no empty file is left behind.
    writeFileSync(tmp, JSON.stringify(pidRecord(process.pid)), { mode: 0o600 });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, path);
        return { release: () => rmSync(path, { force: true }) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = readPidFile(path);
        // Our own pid with our start time is a lock this process holds: refused like any live holder's.
        // Our pid without a start time is the old form, left by an earlier process that had our pid.
        if (holder && isRecordedProcessAlive(holder) && (holder.pid !== process.pid || holder.startTime !== undefined)) return holder;
        rmSync(path, { force: true }); // the holder is gone (or the file is garbage): take over
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  throw new CellError('CELL_E_TREE_RUNNING', `could not take the lock ${path}`);
}

/** True for what `tryPidLock` returns when it got the lock. */
export function isPidLock(v: PidLock | PidRecord): v is PidLock {
  return 'release' in v;
}
