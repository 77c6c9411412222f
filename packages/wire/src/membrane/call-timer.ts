import type { CellError } from '@cell/protocol';
import type { FramedConnection } from '../connection/framed-connection.ts';
import type { CallerInfo } from './method-entry.ts';
import type { ServerCall } from './server-call.ts';
import type { SpanLog } from './span-log.ts';

/**
 * Times the calls of one connection for their method's counts and their spans. A clock read
 * costs about as much as counting and keeping a span together, so it is read once per arrival of
 * bytes (a call began when its request arrived) and once per flush (it ended when its reply left):
 * a batch of pipelined calls pays two reads, not two per call. A call that ends with nothing to
 * flush (cancelled, timed out unanswered) reads the clock itself.
 */
export class CallTimer {
  private readonly conn: FramedConnection;
  private readonly spans: SpanLog | undefined;
  private readonly caller: () => CallerInfo;
  /** Calls ended this tick, settled when their replies are flushed. */
  private readonly ended: ServerCall[] = [];

  constructor(conn: FramedConnection, spans: SpanLog | undefined, caller: () => CallerInfo) {
    this.conn = conn;
    this.spans = spans;
    this.caller = caller;
    conn.timeReads = true;
    conn.beforeFlush = () => this.settle();
  }

  /** A request read from the connection is starting. */
  began(call: ServerCall): void {
    call.began = this.conn.readAt;
  }

  /** The call ended (with `error` when it failed); it is counted when its reply leaves. */
  end(call: ServerCall, error: CellError<string> | undefined): void {
    call.endError = error;
    if (this.conn.flushPending) this.ended.push(call);
    else this.record(call, performance.now());
  }

  private settle(): void {
    if (this.ended.length === 0) return;
    const now = performance.now();
    for (const call of this.ended) this.record(call, now);
    this.ended.length = 0;
  }

  private record(call: ServerCall, now: number): void {
    const durationMs = Math.max(0, now - call.began);
    if (call.entry.stats.counting) call.entry.stats.record(durationMs, call.endError?.code);
    if (call.span !== 0) this.spans?.ended(call, this.caller(), call.endError, durationMs);
  }
}
