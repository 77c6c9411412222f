import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { LOCAL_HOST } from './port-allocation.ts';

/** A readiness check with its variables expanded (see `[life_cycle] ready`). */
export type ReadyProbe =
  | { kind: 'started' }
  | { kind: 'tcp'; port: number }
  | { kind: 'unix'; path: string }
  | { kind: 'http'; url: string }
  | { kind: 'exec'; command: readonly string[]; cwd: string; env: Record<string, string>; uid?: number | undefined; gid?: number | undefined }
  | { kind: 'log'; pattern: RegExp };

/** How long one probe may take at most (a server that accepts and never answers must not stall the loop). */
export const PROBE_TIMEOUT_MS = 2000;

function connects(options: { port: number; host: string } | { path: string }, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(options);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function answers(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 400);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

function exitsZero(p: Extract<ReadyProbe, { kind: 'exec' }>, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const [file, ...args] = p.command;
    const child = spawn(file!, args, { cwd: p.cwd, env: p.env, stdio: 'ignore', uid: p.uid, gid: p.gid, timeout: timeoutMs, killSignal: 'SIGKILL' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/**
 * Asks once whether the process is ready: a TCP or Unix connect, an HTTP GET answered below
 * 400, a command that exits 0. `log` and `started` are settled by the process's output and start
 * (see ExecProcess), never by a probe.
 */
export function probeOnce(p: ReadyProbe, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  switch (p.kind) {
    case 'tcp':
      return connects({ port: p.port, host: LOCAL_HOST }, timeoutMs);
    case 'unix':
      return connects({ path: p.path }, timeoutMs);
    case 'http':
      return answers(p.url, timeoutMs);
    case 'exec':
      return exitsZero(p, timeoutMs);
    case 'started':
      return Promise.resolve(true);
    case 'log':
      return Promise.resolve(false);
  }
}
