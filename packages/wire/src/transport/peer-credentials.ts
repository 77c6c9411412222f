import type { Socket } from 'node:net';
import { type Libc, libc } from '../native/libc.ts';

/** `SOL_SOCKET` and `SO_PEERCRED` on Linux (asm-generic/socket.h; other architectures number them otherwise). */
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
/** The architectures whose kernels use those numbers (not mips, powerpc, sparc or parisc). */
const GENERIC_SOCKET_ARCHS = new Set(['x64', 'ia32', 'arm', 'arm64', 'riscv64', 'loong64', 's390x']);
/** `struct ucred`: pid, uid and gid, 32 bits each. */
const UCRED_BYTES = 12;

/** Reads the uid of a local caller, or says why it cannot here. */
export interface PeerCredentials {
  /** Why peers' uids go unchecked in this process; undefined when they are checked. */
  readonly unavailable: string | undefined;
  /** How koffi was loaded: its native module straight from its prebuilt package, or through koffi's own loader. */
  readonly via?: 'native' | 'package' | undefined;
  /**
   * The uid of the process at the other end of a connected Unix socket (`SO_PEERCRED`, as the
   * kernel recorded it at connect), or undefined when it cannot be read.
   */
  uidOf(socket: Socket): number | undefined;
}

/**
 * libc's getsockopt (Node exposes none), or why it cannot be called: where it cannot, the peer's
 * uid goes unchecked and the 0700 `run/` and 0600 sockets alone keep other users out.
 */
function loadGetSockOpt(module: string): Libc | string {
  if (process.platform !== 'linux') return `SO_PEERCRED is Linux's (this is ${process.platform})`;
  if (!GENERIC_SOCKET_ARCHS.has(process.arch)) return `SO_PEERCRED is not read on ${process.arch} (its socket options are numbered otherwise)`;
  return libc(module);
}

const loaded = new Map<string, PeerCredentials>();

/** The peer credentials reader over the koffi found at `module` (loaded once per process). */
export function peerCredentials(module = 'koffi'): PeerCredentials {
  let found = loaded.get(module);
  if (found) return found;
  const got = loadGetSockOpt(module);
  // getsockopt is synchronous: one `struct ucred` and one socklen_t serve every read, both read
  // in the machine's own byte order.
  const ucred = new Uint32Array(UCRED_BYTES / 4);
  const length = new Uint32Array(1);
  found =
    typeof got === 'string'
      ? { unavailable: got, uidOf: () => undefined }
      : {
          unavailable: undefined,
          via: got.via,
          uidOf(socket) {
            const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
            if (fd === undefined || fd < 0) return undefined;
            length[0] = UCRED_BYTES;
            if (got.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ucred, length) !== 0 || length[0] !== UCRED_BYTES) return undefined;
            return ucred[1]; // pid, uid, gid
          },
        };
  loaded.set(module, found);
  return found;
}

/** This process's uid, read once (a cell does not change users): not a system call per connection. */
const OWN_UID = process.getuid?.() ?? -1;

/**
 * Whether a local caller with this uid may call: the same user, or root (whom no file mode keeps
 * out anyway). An unknown uid passes: file modes already decided.
 */
export function isLocalPeerAllowed(uid: number | undefined, ownUid: number = OWN_UID): boolean {
  return uid === undefined || uid === ownUid || uid === 0;
}
