import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('./echo-server.ts', import.meta.url));

export interface ChildCell {
  child: ChildProcess;
  pid: number;
  /** The built-in modules it had loaded once listening (`tls`, `internal/crypto/hash`, ...). */
  builtins: string[];
  /** Resident memory of the child in bytes, read from /proc. */
  rssBytes(): number;
  isAlive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts the echo cell in its own process and waits (bounded) until it listens. */
export function startChildEcho(socketPath: string, env: Record<string, string> = {}, timeoutMs = 15_000): Promise<ChildCell> {
  // The @cell packages' TypeScript sources (their cell-source export condition), never a stale dist/.
  const child = spawn(process.execPath, ['--conditions=cell-source', SERVER, socketPath], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cell: ChildCell = {
    child,
    pid: child.pid!,
    builtins: [],
    rssBytes() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      return Number(kb) * 1024;
    },
    isAlive: () => child.exitCode === null && child.signalCode === null,
    async kill(signal = 'SIGKILL') {
      if (cell.isAlive()) child.kill(signal);
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('echo cell did not become ready in time'));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`echo cell exited early (${code ?? signal})`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"ready":true')) {
        clearTimeout(timer);
        cell.builtins = (JSON.parse(line) as { builtins?: string[] }).builtins ?? [];
        resolve(cell);
      }
    });
  });
}
