import { CellError, encodeWireBody, FrameKind, toCellError, type WireBody } from '@cell/protocol';
import type { FramedConnection } from '../connection/framed-connection.ts';
import type { PendingCall, PendingCalls } from './pending-calls.ts';

/**
 * Sends the items of a caller's input stream as STREAM_DATA frames, within the cell's credit and
 * only while the connection takes our output, then STREAM_END. A failing source abandons the call.
 */
export async function pumpInput(
  conn: FramedConnection,
  pending: PendingCalls,
  id: number,
  call: PendingCall,
  source: AsyncIterable<unknown> | Iterable<unknown>,
  checkSize: (body: WireBody | undefined) => CellError | undefined,
): Promise<void> {
  const credit = call.credit!;
  try {
    for await (const item of source) {
      if (pending.get(id) !== call) return;
      const body = encodeWireBody(item);
      const tooLarge = checkSize(body);
      if (tooLarge) throw tooLarge;
      await credit.available();
      await conn.whenWritable();
      if (pending.get(id) !== call || credit.isCancelled) return;
      credit.spend((body?.length ?? 0) + 1);
      conn.send({ kind: FrameKind.STREAM_DATA, streamId: id, body });
    }
    if (pending.get(id) === call) conn.send({ kind: FrameKind.STREAM_END, streamId: id });
  } catch (err) {
    const error = toCellError(err, 'CELL_E_STREAM_ABORTED');
    pending.abandon(id, error === err ? error : new CellError('CELL_E_STREAM_ABORTED', `the input stream failed: ${error.message}`, { cause: err }));
  }
}
