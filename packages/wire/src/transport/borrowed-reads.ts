import { Socket } from 'node:net';

/** The reads of every caller socket of this process land in this one buffer (Node's own reads are 64 KiB each). */
const READ_BUFFER_BYTES = 64 * 1024;
let sharedBuffer: Buffer | undefined;

/** Receives a read; `borrowed` chunks are valid only during the call (see FrameDecoder.push). */
export type ReadHandler = (chunk: Buffer, borrowed: boolean) => void;

/**
 * A socket's reads into a buffer reused for every read of every such socket (Node's `onread`),
 * instead of a new 64 KiB buffer per read: a caller streaming 1 GiB no longer allocates 1 GiB of
 * read buffers for the garbage collector. Safe because a read is handled to the end before the
 * next one is made; the handler must copy out what it keeps. Reads that come before a handler
 * attaches are kept (copied) and handed to it first.
 */
export class BorrowedReads {
  private handler: ReadHandler | undefined;
  private early: Buffer[] = [];
  /** The `onread` option to create the socket with. */
  readonly onread = {
    buffer: (sharedBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES)),
    callback: (bytes: number, buffer: Uint8Array): boolean => {
      const chunk = (buffer as Buffer).subarray(0, bytes);
      if (this.handler) this.handler(chunk, true);
      else this.early.push(Buffer.from(chunk));
      return true;
    },
  };

  /** True once a handler reads what arrives. */
  get attached(): boolean {
    return this.handler !== undefined;
  }

  attach(handler: ReadHandler): void {
    this.handler = handler;
    for (const chunk of this.early.splice(0)) handler(chunk, false);
  }
}

/**
 * Where a socket keeps its borrowed reads: a property of its own, not a WeakMap entry (each entry
 * of a WeakMap is an ephemeron the garbage collector must trace apart, for every short-lived socket).
 */
const kBorrowedReads = Symbol('cell.borrowedReads');
type MarkedSocket = Socket & { [kBorrowedReads]?: BorrowedReads };

/** Records that `socket` was made with `reads.onread`: its data comes through `reads`, never as 'data' events. */
export function markBorrowedReads(socket: Socket, reads: BorrowedReads): void {
  (socket as MarkedSocket)[kBorrowedReads] = reads;
}

/** The borrowed reads of a socket made with them; undefined for one that emits 'data'. */
export function borrowedReadsOf(socket: Socket): BorrowedReads | undefined {
  return (socket as MarkedSocket)[kBorrowedReads];
}

/** Node's own keys for a socket's `onread`, read off a socket made with one (undefined where they are not there). */
let onreadKeys: { buffer: symbol; callback: symbol } | null | undefined;

function nodeOnreadKeys(): { buffer: symbol; callback: symbol } | undefined {
  if (onreadKeys === undefined) {
    const probe = new Socket({ onread: { buffer: Buffer.alloc(1), callback: () => true } });
    const key = (name: string) => Object.getOwnPropertySymbols(probe).find((s) => s.description === name);
    const buffer = key('kBuffer');
    const callback = key('kBufferCb');
    onreadKeys = buffer && callback && probe[buffer as keyof Socket] !== undefined ? { buffer, callback } : null;
    probe.destroy();
  }
  return onreadKeys ?? undefined;
}

interface StreamHandle {
  useUserBuffer?: (buffer: Uint8Array) => void;
  reading?: boolean;
}

/**
 * Gives an accepted socket, not yet reading (its server made with `pauseOnConnect`), borrowed
 * reads as `onread` gives a socket we connect: Node has no option for the sockets a server
 * accepts, so this sets on the socket what the option sets. Returns undefined, and changes
 * nothing, where this Node has no such keys: the socket then reads as usual.
 */
export function borrowReadsOfAccepted(socket: Socket): BorrowedReads | undefined {
  const keys = nodeOnreadKeys();
  const handle = (socket as unknown as { _handle?: StreamHandle })._handle;
  if (!keys || typeof handle?.useUserBuffer !== 'function' || handle.reading) return undefined;
  const reads = new BorrowedReads();
  const target = socket as unknown as Record<symbol, unknown>;
  target[keys.buffer] = reads.onread.buffer;
  target[keys.callback] = reads.onread.callback;
  handle.useUserBuffer(reads.onread.buffer);
  markBorrowedReads(socket, reads);
  return reads;
}
