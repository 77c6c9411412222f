import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { CellError } from '@cell/protocol';
import { findExecutable } from './host-paths.ts';

const run = promisify(execFile);
/** How long making the namespace may take. */
const SETUP_TIMEOUT_MS = 5000;
/** TCP state `LISTEN` in `/proc/net/tcp`. */
const TCP_LISTEN = '0A';

/**
 * A network namespace shared by several capsids (the cells of one placement): only a loopback,
 * no interface, no route, no DNS. Its cells reach each other's TCP ports on 127.0.0.1 and
 * nothing else; the host, other placements and the internet are as unreachable as from a capsid
 * of its own. This process holds it by a descriptor: each capsid inherits a copy when it starts
 * (nothing is looked up by a path or a pid that could name something else by then).
 */
export interface CapsidNetwork {
  /** The namespace's descriptor in this process; throws once the network is closed. */
  readonly fd: number;
  /** Lets go of it: the namespace goes when its last capsid has left; no capsid may join after. */
  close(): void;
}

/** Why this machine cannot make capsid networks, or undefined when it can (root, `unshare`, `nsenter`, `ip`). */
export function capsidNetworkUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'a network shared by capsids needs a donor running as root (process cells listen on TCP)';
  const missing = ['unshare', 'nsenter', 'ip'].filter((tool) => !findExecutable(tool));
  return missing.length > 0 ? `${missing.join(', ')} not installed (util-linux, iproute2)` : undefined;
}

function unavailable(reason: string): CellError {
  return new CellError('CELL_E_CAPSID_UNAVAILABLE', `could not create a network for capsids: ${reason}`, { details: { reasons: [reason] } });
}

/** Opens the network namespace `holder` entered (it is our child, alive: its pid names nothing else). */
async function openEntered(holder: ChildProcess): Promise<number> {
  const own = readlinkSync('/proc/self/ns/net');
  const deadline = Date.now() + SETUP_TIMEOUT_MS;
  while (Date.now() < deadline && holder.exitCode === null && holder.signalCode === null) {
    let entered = false;
    try {
      entered = readlinkSync(`/proc/${holder.pid}/ns/net`) !== own;
    } catch {
      // not started yet
    }
    if (entered) {
      const fd = openSync(`/proc/${holder.pid}/ns/net`, 'r');
      if (fstatSync(fd).ino !== statSync('/proc/self/ns/net').ino) return fd;
      closeSync(fd);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw unavailable('unshare --net did not enter a new namespace');
}

/**
 * Creates a capsid network (root only; else `CELL_E_CAPSID_UNAVAILABLE` with the reason): a
 * short-lived `unshare --net` makes the namespace, this process opens it and the helper exits;
 * its loopback is brought up, and unprivileged ports start at 0 there (the namespace is the
 * placement's alone, and a process cell may ask for a port below 1024 as under a root nucleus).
 */
export async function openCapsidNetwork(): Promise<CapsidNetwork> {
  const why = capsidNetworkUnavailable();
  if (why) throw unavailable(why);
  const holder = spawn('unshare', ['--net', '--', 'sleep', 'infinity'], { stdio: 'ignore', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  holder.once('error', () => undefined);
  let fd: number;
  try {
    fd = await openEntered(holder);
  } finally {
    holder.kill('SIGKILL');
  }
  const path = `/proc/${process.pid}/fd/${fd}`;
  try {
    await run('nsenter', [`--net=${path}`, '--', 'ip', 'link', 'set', 'lo', 'up'], { timeout: SETUP_TIMEOUT_MS });
    await run('nsenter', [`--net=${path}`, '--', 'sh', '-c', 'echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start'], { timeout: SETUP_TIMEOUT_MS });
  } catch (err) {
    closeSync(fd);
    throw unavailable(`could not set up its loopback: ${(err as Error).message}`);
  }
  let open = true;
  return {
    get fd() {
      if (!open) throw new CellError('CELL_E_UNAVAILABLE', 'the capsid network is closed');
      return fd;
    },
    close: () => {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

function listensIn(file: string, hex: string): boolean {
  let table: string;
  try {
    table = readFileSync(file, 'utf8');
  } catch {
    return false; // no IPv6, or the process is gone
  }
  return table.split('\n').some((line) => {
    const [, local, , state] = line.trim().split(/\s+/);
    return state === TCP_LISTEN && local?.endsWith(`:${hex}`) === true;
  });
}

/** True when a socket of the network namespace `pid` is in listens on TCP `port` (its `/proc/<pid>/net/tcp{,6}`: nothing connects). */
export function listensOnTcp(pid: number, port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return listensIn(`/proc/${pid}/net/tcp`, hex) || listensIn(`/proc/${pid}/net/tcp6`, hex);
}
