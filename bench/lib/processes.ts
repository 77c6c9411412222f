import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** `taskset -c 0` when the machine allows pinning, else nothing (and the results say so). */
export function pinningPrefix(): { prefix: string[]; note: string } {
  const probe = spawnSync('taskset', ['-c', '0', 'true']);
  if (probe.status === 0) return { prefix: ['taskset', '-c', '0'], note: 'server and client pinned to CPU 0 (taskset -c 0)' };
  return { prefix: [], note: 'not pinned (taskset unavailable)' };
}

/**
 * Pins this process (and what it spawns from now on) to `cpus` (taskset list form), returning how
 * to undo it; a no-op where taskset is missing. Threads started before keep their affinity.
 */
export function pinSelf(cpus: string): { note: string; restore(): void } {
  const before = spawnSync('taskset', ['-p', '-c', String(process.pid)], { encoding: 'utf8' });
  const current = /:\s*(\S+)\s*$/.exec(before.stdout ?? '')?.[1];
  if (before.status !== 0 || !current || spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)]).status !== 0) {
    return { note: 'not pinned (taskset unavailable)', restore: () => undefined };
  }
  return { note: `pinned to CPU ${cpus} (taskset), the cell and the relay/client alike`, restore: () => void spawnSync('taskset', ['-a', '-p', '-c', current, String(process.pid)]) };
}

/** Runs `node <args>` (optionally pinned) and resolves with the child once it prints a ready line. */
export function startReady(prefix: string[], args: string[], timeoutMs = 30_000, env: NodeJS.ProcessEnv = process.env): Promise<ChildProcess> {
  const [cmd, ...rest] = [...prefix, process.execPath, '--conditions=cell-source', ...args]; // the @cell packages' TypeScript sources, never a stale build
  const child = spawn(cmd!, rest, { stdio: ['ignore', 'pipe', 'inherit'], env });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not ready in ${timeoutMs} ms: ${args.join(' ')}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before ready: ${args.join(' ')}`));
    });
    createInterface({ input: child.stdout! }).once('line', () => {
      clearTimeout(timer);
      resolve(child);
    });
  });
}

/** Runs `node <args>` to completion and parses the last JSON line it printed. */
export function runJson<T>(prefix: string[], args: string[], timeoutMs = 300_000): Promise<T> {
  const [cmd, ...rest] = [...prefix, process.execPath, '--conditions=cell-source', ...args]; // the @cell packages' TypeScript sources, never a stale build
  const child = spawn(cmd!, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(last) as T);
      } catch (err) {
        reject(new Error(`${args.join(' ')} failed: ${(err as Error).message}; output: ${out.slice(-500)}`));
      }
    });
  });
}

/** Kills children and waits for them to exit. */
export async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}
