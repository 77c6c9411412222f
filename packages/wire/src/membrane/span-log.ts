import { type CellError, MAX_SPANS, spanHex } from '@cell/protocol';
import type { CallerInfo } from './method-entry.ts';
import type { ServerCall } from './server-call.ts';

/** One call a membrane served (or refused), as `cell trace` shows it (docs/traces.md). */
export interface SpanRecord {
  /** The request's trace, 32 hex characters. */
  trace: string;
  /** This call's span, 16 hex characters. */
  span: string;
  /** The span of the call the caller was serving when it made this one; absent at a trace's root. */
  parent?: string;
  method: string;
  /** When the call arrived, epoch ms. */
  start: number;
  durationMs: number;
  /** `ok`, or the error's code (a declared error's name, or CELL_E_*). */
  outcome: string;
  /** The calling cell, when the caller is a cell. */
  caller?: string;
  /** The calling node's key, when the call came over an axon. */
  node?: string;
}

/** Which spans to return: those of one trace (a hex prefix of its id), at most `limit`, newest kept. */
export interface SpanQuery {
  trace?: string | undefined;
  limit: number;
}

/**
 * The last `capacity` spans of a membrane's calls, kept in a ring: recording one is a few field
 * reads and one small object; old spans are overwritten, never grown past the capacity.
 */
export class SpanLog {
  readonly capacity: number;
  private readonly ring: Array<SpanRecord | undefined>;
  private next = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_SPANS) throw new RangeError(`span log capacity must be an integer from 1 to ${MAX_SPANS}, got ${capacity}`);
    this.capacity = capacity;
    this.ring = new Array<SpanRecord | undefined>(capacity);
  }

  /** A call that ran ended (with `error` when it failed). `call.began` is its performance.now() start. */
  ended(call: ServerCall, caller: CallerInfo, error: CellError<string> | undefined): void {
    const durationMs = performance.now() - call.began;
    this.add({
      trace: call.traceId.toString('hex'),
      span: spanHex(call.span),
      parent: call.parentSpan,
      method: call.method,
      start: performance.timeOrigin + call.began,
      durationMs: Math.round(durationMs * 1000) / 1000,
      outcome: error === undefined ? 'ok' : error.code,
      caller: caller.cell,
      node: caller.node,
    });
  }

  /** A request refused before any handler ran: a span of no duration with the refusal's code. */
  refused(trace: Buffer, parent: Buffer | undefined, span: number, method: string, caller: CallerInfo, error: CellError<string>): void {
    this.add({ trace: trace.toString('hex'), span: spanHex(span), parent: parent?.toString('hex'), method, start: performance.timeOrigin + performance.now(), durationMs: 0, outcome: error.code, caller: caller.cell, node: caller.node });
  }

  add(record: SpanRecord): void {
    this.ring[this.next] = record;
    this.next = (this.next + 1) % this.capacity;
  }

  /** The spans matching `query`, oldest first (the newest `limit` of them). */
  find(query: SpanQuery): SpanRecord[] {
    const prefix = query.trace?.toLowerCase();
    const out: SpanRecord[] = [];
    for (let i = 1; i <= this.capacity && out.length < query.limit; i++) {
      const r = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (r === undefined) break;
      if (prefix === undefined || r.trace.startsWith(prefix)) out.push(withoutAbsent(r));
    }
    return out.reverse();
  }
}

/** A record without its undefined fields (they do not survive JSON or IPC anyway). */
function withoutAbsent(r: SpanRecord): SpanRecord {
  const out: SpanRecord = { trace: r.trace, span: r.span, method: r.method, start: r.start, durationMs: r.durationMs, outcome: r.outcome };
  if (r.parent !== undefined) out.parent = r.parent;
  if (r.caller !== undefined) out.caller = r.caller;
  if (r.node !== undefined) out.node = r.node;
  return out;
}
