import { readFileSync } from 'node:fs';

/** True when a process with this pid exists and has not died (a zombie awaiting its reaper counts as dead). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = procStat(pid);
  return stat === undefined || stat.state !== 'Z'; // no /proc (not Linux): kill(0) said it exists
}

/**
 * When a process started, in clock ticks since boot (`/proc/<pid>/stat` field 22): with the pid,
 * it names one process for good, so a pid file outliving its process never names another one.
 */
export function processStartTime(pid: number): number | undefined {
  return procStat(pid)?.startTime;
}

function procStat(pid: number): { state: string; startTime: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: fields count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', startTime: Number(fields[19]) };
}
