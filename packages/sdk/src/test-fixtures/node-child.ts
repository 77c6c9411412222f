import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LAUNCH_ENV_KEYS } from '@cell/host';

/**
 * The `--conditions` flags this process runs with (vitest passes its resolve conditions to its
 * workers), so a child resolves the @cell packages the same way: their TypeScript sources.
 */
export function conditionFlags(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '--conditions' || a === '-C') && argv[i + 1] !== undefined) out.push(a, argv[++i]!);
    else if (a.startsWith('--conditions=')) out.push(a);
  }
  return out;
}

/** This process's environment without any launch variable, plus `env`: what a nucleus would give a cell. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const key of LAUNCH_ENV_KEYS) delete base[key];
  return { ...base, ...env };
}

/** Runs a script to completion (bounded) and returns its exit code and the JSON lines it printed. */
export function runScript(script: string, env: Record<string, string>, timeoutMs = 15_000): Promise<{ code: number | null; lines: Array<Record<string, unknown>> }> {
  const child = spawn(process.execPath, [...conditionFlags(), script], { env: childEnv(env), stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, lines });
    });
  });
}

/** A child started with `fork` (so it has an IPC channel to us, as a cell has to its nucleus), its JSON lines and its messages. */
export interface ForkedChild {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  messages: unknown[];
  /** Resolves with the exit code (or signal) once the child exited. */
  exited: Promise<number | string | null>;
  isAlive(): boolean;
  kill(): Promise<void>;
}

export function forkScript(script: string, env: Record<string, string>): ForkedChild {
  const child = fork(script, [], { execArgv: conditionFlags(), env: childEnv(env), stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const lines: Array<Record<string, unknown>> = [];
  const messages: unknown[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  child.on('message', (m) => messages.push(m));
  child.on('error', () => undefined);
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const isAlive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    lines,
    messages,
    exited,
    isAlive,
    async kill() {
      if (isAlive()) child.kill('SIGKILL');
      await exited;
    },
  };
}
