import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { promisify } from 'node:util';
import { CellError } from '@cell/protocol';
import { findExecutable } from './host-paths.ts';

const run = promisify(execFile);
/** How long the holder may take to enter its namespace. */
const ENTER_TIMEOUT_MS = 5000;
/** TCP state `LISTEN` in `/proc/net/tcp`. */
const TCP_LISTEN = '0A';

/**
 * A network namespace shared by several capsids (the cells of one placement): only a loopback,
 * no interface, no route, no DNS. Its cells reach each other's TCP ports on 127.0.0.1 and
 * nothing else; the host, other placements and the internet are as unreachable as from a capsid
 * of its own.
 */
export interface CapsidNetwork {
  /**
   * `/proc/<pid>/ns/net` of the process holding it: what capsids join (`nsenter --net=`). Throws
   * once the holder is gone (its pid could be another process's by then).
   */
  readonly path: string;
  /** True when a socket of the namespace listens on TCP `port` (read from `/proc/<pid>/net/tcp{,6}`: nothing connects). */
  listening(port: number): boolean;
  /** Runs `argv` (host paths) in the namespace as this process's user; resolves its exit code (killed after `timeoutMs`). */
  exec(argv: readonly string[], timeoutMs: number): Promise<number | null>;
  /** Ends the holder (resolves once it is gone): the namespace goes when its last capsid has left. */
  close(): Promise<void>;
}

/** Why this machine cannot make capsid networks, or undefined when it can (root, `unshare`, `nsenter`, `ip`, `setpriv`). */
export function capsidNetworkUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'a network shared by capsids needs a donor running as root (process cells listen on TCP)';
  const missing = ['unshare', 'nsenter', 'ip', 'setpriv'].filter((tool) => !findExecutable(tool));
  return missing.length > 0 ? `${missing.join(', ')} not installed (util-linux, iproute2)` : undefined;
}

function listensIn(file: string, port: number): boolean {
  let table: string;
  try {
    table = readFileSync(file, 'utf8');
  } catch {
    return false; // no IPv6, or the holder is gone
  }
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return table.split('\n').some((line) => {
    const [, local, , state] = line.trim().split(/\s+/);
    return state === TCP_LISTEN && local?.endsWith(`:${hex}`) === true;
  });
}

async function entered(holder: ChildProcess): Promise<string> {
  const own = readlinkSync('/proc/self/ns/net');
  const deadline = Date.now() + ENTER_TIMEOUT_MS;
  while (Date.now() < deadline && holder.exitCode === null) {
    try {
      if (readlinkSync(`/proc/${holder.pid}/ns/net`) !== own) return `/proc/${holder.pid}/ns/net`;
    } catch {
      // not started yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  holder.kill('SIGKILL');
  throw new CellError('CELL_E_CAPSID_UNAVAILABLE', 'could not create a network namespace for capsids', { details: { reasons: ['unshare --net did not enter a new namespace'] } });
}

/**
 * Creates a capsid network: a holder process (`unshare --net`, then `sleep`, killed with this
 * process by `--pdeathsig`) keeps the namespace, whose loopback is brought up. Root only; else
 * `CELL_E_CAPSID_UNAVAILABLE` with the reason.
 */
export async function openCapsidNetwork(): Promise<CapsidNetwork> {
  const unavailable = capsidNetworkUnavailable();
  if (unavailable) throw new CellError('CELL_E_CAPSID_UNAVAILABLE', `no capsid network: ${unavailable}`, { details: { reasons: [unavailable] } });
  const holder = spawn('unshare', ['--net', '--', 'setpriv', '--pdeathsig', 'KILL', '--', 'sleep', 'infinity'], { stdio: 'ignore' });
  holder.once('error', () => undefined);
  const path = await entered(holder);
  const pid = holder.pid!;
  const exec: CapsidNetwork['exec'] = (argv, timeoutMs) =>
    new Promise((resolve) => {
      if (!alive()) {
        resolve(null);
        return;
      }
      const child = spawn('nsenter', [`--net=${path}`, '--', ...argv], { stdio: 'ignore', timeout: timeoutMs, killSignal: 'SIGKILL' });
      child.once('error', () => resolve(null));
      child.once('exit', (code) => resolve(code));
    });
  try {
    await run('nsenter', [`--net=${path}`, '--', 'ip', 'link', 'set', 'lo', 'up'], { timeout: ENTER_TIMEOUT_MS });
  } catch (err) {
    holder.kill('SIGKILL');
    throw new CellError('CELL_E_CAPSID_UNAVAILABLE', `could not bring up a capsid network's loopback: ${(err as Error).message}`, { details: { reasons: [(err as Error).message] } });
  }
  const alive = () => holder.exitCode === null && holder.signalCode === null;
  return {
    get path() {
      if (!alive()) throw new CellError('CELL_E_UNAVAILABLE', 'the capsid network is closed', { details: { pid } });
      return path;
    },
    listening: (port) => listensIn(`/proc/${pid}/net/tcp`, port) || listensIn(`/proc/${pid}/net/tcp6`, port),
    exec,
    close: async () => {
      if (!alive()) return;
      const gone = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGKILL');
      await gone;
    },
  };
}
