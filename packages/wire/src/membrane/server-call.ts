import { type CellError, spanBytes } from '@cell/protocol';
import type { CallHandle, MethodEntry } from './method-entry.ts';
import type { StreamCredit, StreamInbox } from '../streams/stream-flow.ts';

/**
 * One call being handled by a membrane. Its AbortController is created only if the handler
 * reads its signal: most never do, and one per call is measurable.
 */
export class ServerCall implements CallHandle {
  readonly entry: MethodEntry;
  readonly deadline: number;
  /** Stream id of the call on its connection (`callId` in logs). */
  readonly id: number;
  /** The call's 16-byte trace id. */
  readonly traceId: Buffer;
  /** Monotonic ms the call arrived, when its membrane logs calls (for `durationMs`). */
  startedAt: number | undefined;
  /** performance.now() when the bytes of its request arrived (see CallTimer), when the membrane counts calls or keeps spans. */
  began = 0;
  /** The error the call ended with, kept until it is counted (see CallTimer). */
  endError: CellError<string> | undefined;
  /** This call's span number (see span-id.ts); 0 when its membrane keeps no spans. */
  span = 0;
  /** The caller's span this call was made from (8 bytes, a view into the request frame), when it sent one. */
  parentSpan: Buffer | undefined;
  private spanBuffer: Buffer | undefined;
  inbox: StreamInbox<unknown> | undefined;
  credit: StreamCredit | undefined;
  private controller: AbortController | undefined;
  private reason: unknown;
  private aborted = false;

  constructor(entry: MethodEntry, deadline: number, id: number, traceId: Buffer) {
    this.entry = entry;
    this.deadline = deadline;
    this.id = id;
    this.traceId = traceId;
  }

  /** The keys every log line about this call carries (docs/logging.md). */
  logFields(): { method: string; callId: number; trace: string } {
    return { method: this.entry.name, callId: this.id, trace: this.traceId.toString('hex') };
  }

  get method(): string {
    return this.entry.name;
  }

  /** The 8 bytes of this call's span, for the calls its handler makes (made on first read). */
  get spanId(): Buffer | undefined {
    if (this.span === 0) return undefined;
    this.spanBuffer ??= spanBytes(this.span);
    return this.spanBuffer;
  }

  get signal(): AbortSignal {
    if (this.aborted && !this.controller) return AbortSignal.abort(this.reason);
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
