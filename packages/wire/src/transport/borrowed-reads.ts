import type { Socket } from 'node:net';

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

  attach(handler: ReadHandler): void {
    this.handler = handler;
    for (const chunk of this.early.splice(0)) handler(chunk, false);
  }
}

const bySocket = new WeakMap<Socket, BorrowedReads>();

/** Records that `socket` was made with `reads.onread`: its data comes through `reads`, never as 'data' events. */
export function markBorrowedReads(socket: Socket, reads: BorrowedReads): void {
  bySocket.set(socket, reads);
}

/** The borrowed reads of a socket made with them; undefined for one that emits 'data'. */
export function borrowedReadsOf(socket: Socket): BorrowedReads | undefined {
  return bySocket.get(socket);
}
