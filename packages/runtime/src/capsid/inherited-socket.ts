import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, lstatSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { CellError } from '@cell/protocol';
import { MAX_SOCKET_PATH_BYTES } from '@cell/wire';

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function inode(path: string): number | undefined {
  try {
    return lstatSync(path).ino;
  } catch {
    return undefined;
  }
}

/**
 * A capsid's listening socket. The nucleus binds it — outside the sandbox, in its own `run/` —
 * and the sandboxed cell inherits only the descriptor (`CELL_SOCKET_FD`): the cell has no path
 * to the socket file, so it can neither replace it (say, with a symlink to a host socket the
 * nucleus would then dial) nor write anything into the nucleus's directory. The nucleus never
 * accepts on it: it closes its own copy as soon as the child holds one.
 *
 * The file lives under a private staged name until the cell answers a handshake there; `publish`
 * then renames it over the public path in one step — callers of the public path reach the
 * previous generation until that instant and the new one after, which is the capsid's form of
 * the nucleus's socket takeover (it cannot share a cluster handle with a sandboxed process).
 */
export class InheritedSocket {
  /** Descriptor to hand to the child (valid until `releaseOwnCopy`). */
  readonly fd: number;
  /** Where the socket answers before it is published. */
  readonly stagedPath: string;
  readonly publicPath: string;
  private readonly server: Server;
  private readonly bindPath: string;
  private readonly ino: number | undefined;
  private released = false;

  private constructor(server: Server, fd: number, paths: { bindPath: string; stagedPath: string; publicPath: string }) {
    this.server = server;
    this.fd = fd;
    this.bindPath = paths.bindPath;
    this.stagedPath = paths.stagedPath;
    this.publicPath = paths.publicPath;
    this.ino = inode(paths.bindPath);
  }

  /**
   * Binds a new socket next to `publicPath` (same directory, so the final rename is atomic).
   * `connectableBy`: a uid and gid (the sandbox's) given the socket, and passage through its
   * directory, so other capsids it is bound into can call it.
   */
  static async bind(publicPath: string, connectableBy?: { uid: number; gid: number }): Promise<InheritedSocket> {
    const dir = dirname(publicPath);
    const name = randomBytes(6).toString('hex');
    const bindPath = join(dir, `.b-${name}.sock`);
    const stagedPath = join(dir, `.s-${name}.sock`);
    for (const path of [publicPath, bindPath, stagedPath]) {
      if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
        throw new CellError('CELL_E_INVALID_ARGUMENT', `socket path is longer than ${MAX_SOCKET_PATH_BYTES} bytes: ${path}`, { details: { path } });
      }
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const server = createServer();
    await listen(server, bindPath);
    chmodSync(bindPath, 0o600);
    if (connectableBy) {
      chownSync(bindPath, connectableBy.uid, connectableBy.gid);
      chmodSync(dir, 0o755); // callers list the replicas by reading it
    }
    const fd = (server as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) {
      server.close();
      throw new CellError('CELL_E_INTERNAL', 'this Node.js does not expose the descriptor of a listening socket');
    }
    return new InheritedSocket(server, fd, { bindPath, stagedPath, publicPath });
  }

  /**
   * Closes this process's copy once the child inherited the descriptor, keeping the socket file
   * (under its staged name: closing a bound server removes the file it was bound at).
   */
  releaseOwnCopy(): void {
    if (this.released) return;
    this.released = true;
    renameSync(this.bindPath, this.stagedPath);
    this.server.close();
  }

  /** Makes the socket answer at the public path, replacing whatever answered there before. */
  publish(): void {
    renameSync(this.stagedPath, this.publicPath);
  }

  /** True when the public path is this socket (not yet replaced by a newer generation). */
  get isPublished(): boolean {
    return this.ino !== undefined && inode(this.publicPath) === this.ino;
  }

  /** Removes the socket file, wherever it is now; a newer generation's file at the public path stays. */
  remove(): void {
    if (!this.released) {
      this.released = true;
      this.server.close(); // removes bindPath
    }
    const paths = [this.stagedPath, ...(this.isPublished ? [this.publicPath] : [])];
    for (const path of paths) {
      try {
        if (inode(path) === this.ino) unlinkSync(path);
      } catch {
        // already gone
      }
    }
  }
}
