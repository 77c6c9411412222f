import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isProcessAlive, processStartTime } from './process-alive.ts';

describe('process liveness', () => {
  it('knows this process is alive and when it started', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const started = processStartTime(process.pid);
    expect(started).toBeGreaterThan(0);
    expect(processStartTime(process.pid)).toBe(started);
  });

  it('counts an exited child as dead, even as a zombie not yet reaped', async () => {
    const child = spawn(process.execPath, ['-e', 'process.exit(0)'], { stdio: 'ignore' });
    const pid = child.pid!;
    await new Promise((resolve) => child.once('exit', resolve));
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('has no start time for a pid that does not exist', () => {
    expect(processStartTime(2 ** 22 + 4321)).toBeUndefined();
    expect(isProcessAlive(2 ** 22 + 4321)).toBe(false);
  });
});
