import type { Socket } from 'node:net';
import { type CellError, encodeBody, encodeFrame, FrameKind } from '@cell/protocol';

/** Tells a caller why in an ERROR frame its handshake fails with, then closes the connection (after 1 s at most, read or not). */
export function refuseConnection(socket: Socket, error: CellError): void {
  socket.on('error', () => undefined);
  socket.end(encodeFrame({ kind: FrameKind.ERROR, streamId: 0, body: encodeBody(error.toJSON()) }));
  setTimeout(() => socket.destroy(), 1000).unref();
}
