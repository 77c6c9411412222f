import { encodeSentBody, fitsPayloadLimit, FrameKind } from '@cell/protocol';
import type { FramedConnection } from '../connection/framed-connection.ts';
import type { WireLogger } from '../logger.ts';
import type { MethodEntry } from './method-entry.ts';
import { invalidOutput, isPromiseLike, tooLargeForPeer } from './handler-outcome.ts';
import type { ServerCall } from './server-call.ts';

/** What pumping a handler's output stream needs from its session. */
export interface OutputStreamSession {
  readonly conn: FramedConnection;
  readonly validateOutput: boolean;
  /** The caller's frame limit, from its handshake. */
  readonly peerMaxFrameBytes: number;
  /** False once the call was cancelled, timed out or finished. */
  isCurrent(id: number, call: ServerCall): boolean;
  /** Ends the call normally (after STREAM_END went out). */
  end(id: number, call: ServerCall): void;
  /** Ends the call with what the handler threw, or with the pump's own error as it is. */
  fail(id: number, call: ServerCall, error: unknown, thrownByHandler: boolean): void;
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return v != null && typeof (v as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function';
}

function isIterable(v: unknown): v is Iterable<unknown> {
  return v != null && typeof (v as Record<symbol, unknown>)[Symbol.iterator] === 'function';
}

/**
 * Sends the items a stream handler yields as STREAM_DATA frames, within the caller's credit and
 * only while the connection takes our output, then STREAM_END. Cancellation stops the iterator.
 */
export async function pumpOutput(session: OutputStreamSession, id: number, call: ServerCall, entry: MethodEntry, result: unknown, log: WireLogger): Promise<void> {
  const credit = call.credit!;
  let own: unknown;
  let iterator: AsyncIterator<unknown> | Iterator<unknown> | undefined;
  try {
    if (isAsyncIterable(result)) iterator = result[Symbol.asyncIterator]();
    else if (isIterable(result)) iterator = result[Symbol.iterator]();
    else throw new TypeError(`handler of stream method ${entry.name} did not return an iterable`);
    const onAbort = () => void iterator?.return?.();
    call.signal.addEventListener('abort', onAbort, { once: true });
    const { conn, peerMaxFrameBytes } = session;
    const output = session.validateOutput ? entry.output : undefined;
    for (;;) {
      // Awaits only when it must: a sync generator within its credit runs without a promise per
      // item, and the call can only have ended (cancelled, timed out) across an await.
      if (!credit.ready || !conn.writable) {
        if (!credit.ready) await credit.available();
        if (!conn.writable) await conn.whenWritable();
        if (!session.isCurrent(id, call)) return;
      }
      let step = iterator.next();
      if (isPromiseLike(step)) {
        step = await step;
        if (!session.isCurrent(id, call)) return;
      }
      if (step.done) break;
      if (output && !output.check(step.value)) throw (own = invalidOutput(entry, output, step.value, log));
      const body = encodeSentBody(step.value); // sent before anything else is encoded
      const bytes = body?.length ?? 0;
      if (!fitsPayloadLimit(bytes, peerMaxFrameBytes)) throw (own = tooLargeForPeer(bytes, peerMaxFrameBytes));
      credit.spend(bytes + 1);
      conn.send({ kind: FrameKind.STREAM_DATA, streamId: id, body });
    }
    if (!session.isCurrent(id, call)) return;
    conn.send({ kind: FrameKind.STREAM_END, streamId: id });
    session.end(id, call);
  } catch (err) {
    if (session.isCurrent(id, call)) session.fail(id, call, err, err !== own);
  }
}
