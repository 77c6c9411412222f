import cluster from 'node:cluster';
import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { CellError } from '@cell/protocol';
import { BorrowedReads, borrowReadsOfAccepted, markBorrowedReads } from './borrowed-reads.ts';

/** Linux limits `sun_path` to 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

function checkPath(path: string): void {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `socket path is longer than ${MAX_SOCKET_PATH_BYTES} bytes: ${path}`, {
      details: { path },
    });
  }
}

/** True when something accepts connections at `path` (a quick liveness probe). */
export function probeSocket(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = netConnect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** Connections the kernel queues for accept (capped by net.core.somaxconn): a burst of callers waits instead of failing. */
const LISTEN_BACKLOG = 4096;

/**
 * Listens on a Unix socket, made 0600 whatever the umask: only this user may connect (the
 * directory it is in, a cell's `run/`, is 0700 as well). A stale socket file left by a dead
 * process is removed; a live one is an error (two membranes must never share a path).
 */
export async function listenUnix(path: string, onConnection: (socket: Socket) => void, options: ListenOptions = {}): Promise<Server> {
  const server = await bindUnix(path, onConnection, options);
  chmodSync(path, 0o600);
  return server;
}

/** Options of `listenUnix` and `listenUnixFd`. */
export interface ListenOptions {
  /**
   * Accepted sockets read into the process's shared read buffer (see borrowReadsOfAccepted) and
   * emit no 'data' events: `onConnection` must attach a reader (FramedConnection does) or the
   * socket reads nothing. Default false: sockets read and emit 'data' as usual.
   */
  borrowedReads?: boolean;
}

/** A server that calls `onConnection` for each accepted socket, borrowing its reads as `options` say. */
function unixServer(onConnection: (socket: Socket) => void, options: ListenOptions): Server {
  if (!options.borrowedReads) return createServer({ noDelay: true }, onConnection);
  // Accepted paused, so that no read is made before the socket reads into the shared buffer.
  return createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
    const reads = borrowReadsOfAccepted(socket);
    onConnection(socket);
    // A socket nobody reads (refused, and closing) is not resumed: its reads would pile up unread.
    if (!socket.destroyed && (reads === undefined || reads.attached)) socket.resume();
  });
}

async function bindUnix(path: string, onConnection: (socket: Socket) => void, options: ListenOptions): Promise<Server> {
  checkPath(path);
  mkdirSync(dirname(path), { recursive: true });
  const server = unixServer(onConnection, options);
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path, backlog: LISTEN_BACKLOG }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  // Under the nucleus (a cluster primary), the nucleus owns the socket file and shares its handle,
  // which is what lets a new replica take over the socket before the old one drains.
  if (cluster.isWorker) {
    await listen();
    return server;
  }
  try {
    await listen();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    if (await probeSocket(path)) {
      throw new CellError('CELL_E_INVALID_ARGUMENT', `another process is already serving on ${path}`, { details: { path } });
    }
    unlinkSync(path);
    await listen();
  }
  return server;
}

/**
 * Serves on a listening Unix socket inherited as file descriptor `fd` — a capsid's: its nucleus
 * bound the socket outside the sandbox, where the cell has no path to it. The socket file belongs
 * to whoever bound it; closing this server never removes it.
 */
export function listenUnixFd(fd: number, onConnection: (socket: Socket) => void, options: ListenOptions = {}): Promise<Server> {
  const server = unixServer(onConnection, options);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * Connects to a Unix socket; fails with CELL_E_UNAVAILABLE (never hangs past `timeoutMs`). A
 * listener whose accept queue is full answers EAGAIN at once (a burst of callers): that is tried
 * again, after 1, 2, 4 ... 50 ms, until the timeout. With `borrowedReads` the socket reads into
 * the process's shared read buffer (see BorrowedReads) and emits no 'data' events.
 */
export function connectUnix(path: string, timeoutMs: number, options: { borrowedReads?: boolean } = {}): Promise<Socket> {
  // A Unix connect() completes or fails at once (libuv makes it synchronously): only the tries
  // again after EAGAIN take time, so only they are timed, and a connection costs no timer.
  const deadline = performance.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    let backoffMs = 1;
    const attempt = () => {
      const reads = options.borrowedReads ? new BorrowedReads() : undefined;
      const s = netConnect(reads ? { path, onread: reads.onread } : { path });
      if (reads) markBorrowedReads(s, reads);
      // Plain listeners, left in place: `once` wraps each in a closure, and removing a socket's
      // only 'error' listener turned its listener table into a slow dictionary. After 'connect'
      // its owner handles errors; this one then ignores them.
      let connected = false;
      s.on('connect', () => {
        connected = true;
        resolve(s);
      });
      s.on('error', (err: NodeJS.ErrnoException) => {
        if (connected) return;
        const left = deadline - performance.now();
        if (err.code === 'EAGAIN' && left > 0) {
          setTimeout(attempt, Math.min(backoffMs, left));
          backoffMs = Math.min(50, backoffMs * 2);
          return;
        }
        const why = err.code === 'EAGAIN' ? `connect to ${path} timed out after ${timeoutMs} ms (its accept queue stayed full)` : `cannot connect to ${path}: ${err.code ?? err.message}`;
        reject(new CellError('CELL_E_UNAVAILABLE', why, { details: { path, errno: err.code }, cause: err }));
      });
    };
    attempt();
  });
}
