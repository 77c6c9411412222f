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

const TRACE_BYTES = 16;
const SPAN_BYTES = 8;
const round3 = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * Copies an id of a few bytes into place. Buffer#copy makes a typed-array view of its source per
 * call: for 16 bytes that view cost more than the copy (a span took twice as long).
 */
function copyId(from: Uint8Array, to: Uint8Array, at: number, bytes: number): void {
  for (let k = 0; k < bytes; k++) to[at + k] = from[k]!;
}

/**
 * The last `capacity` spans of a membrane's calls, kept in a ring of typed arrays: recording one
 * copies its ids and numbers into place and stores three references; it allocates nothing, so a
 * span costs the garbage collector nothing either. Records are made only when asked for.
 */
export class SpanLog {
  readonly capacity: number;
  /** Spans recorded since the start (the ring holds the newest `capacity` of them). */
  recorded = 0;
  private readonly traces: Buffer;
  private readonly parents: Buffer;
  private readonly hasParent: Uint8Array;
  private readonly spans: Uint32Array;
  private readonly starts: Float64Array;
  private readonly durations: Float64Array;
  private readonly methods: string[];
  private readonly outcomes: string[];
  private readonly callers: Array<CallerInfo | undefined>;
  /** Wall-clock ms minus performance.now(), read again every second (see epochOf). */
  private offset = Date.now() - performance.now();
  private offsetAt = performance.now();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_SPANS) throw new RangeError(`span log capacity must be an integer from 1 to ${MAX_SPANS}, got ${capacity}`);
    this.capacity = capacity;
    this.traces = Buffer.alloc(capacity * TRACE_BYTES);
    this.parents = Buffer.alloc(capacity * SPAN_BYTES);
    this.hasParent = new Uint8Array(capacity);
    this.spans = new Uint32Array(capacity);
    this.starts = new Float64Array(capacity);
    this.durations = new Float64Array(capacity);
    this.methods = new Array<string>(capacity).fill('');
    this.outcomes = new Array<string>(capacity).fill('');
    this.callers = new Array<CallerInfo | undefined>(capacity).fill(undefined);
  }

  /** A call that ran ended after `durationMs` (with `error` when it failed). `call.began` is its performance.now() start. */
  ended(call: ServerCall, caller: CallerInfo, error: CellError<string> | undefined, durationMs: number): void {
    this.add(call.traceId, call.parentSpan, call.span, call.method, this.epochOf(call.began), durationMs, error === undefined ? 'ok' : error.code, caller);
  }

  /** A request refused before any handler ran: a span of no duration with the refusal's code. */
  refused(trace: Buffer, parent: Buffer | undefined, span: number, method: string, caller: CallerInfo, error: CellError<string>): void {
    this.add(trace, parent, span, method, this.epochOf(performance.now()), 0, error.code, caller);
  }

  /**
   * The wall-clock time of a performance.now() reading. The two clocks drift apart (the monotonic
   * one stops while the machine sleeps; NTP steps the wall clock), so their offset is read again
   * once a second rather than fixed at start: spans line up with other processes' and nodes'.
   */
  private epochOf(perf: number): number {
    if (perf - this.offsetAt > 1000) {
      this.offsetAt = performance.now();
      this.offset = Date.now() - this.offsetAt;
    }
    return this.offset + perf;
  }

  /** Records one span (ids as bytes: 16 for the trace, 8 for the parent). */
  add(trace: Buffer, parent: Buffer | undefined, span: number, method: string, start: number, durationMs: number, outcome: string, caller: CallerInfo | undefined): void {
    const i = this.recorded++ % this.capacity;
    copyId(trace, this.traces, i * TRACE_BYTES, TRACE_BYTES);
    if (parent === undefined) this.hasParent[i] = 0;
    else {
      copyId(parent, this.parents, i * SPAN_BYTES, SPAN_BYTES);
      this.hasParent[i] = 1;
    }
    this.spans[i] = span;
    this.starts[i] = start;
    this.durations[i] = durationMs;
    this.methods[i] = method;
    this.outcomes[i] = outcome;
    this.callers[i] = caller;
  }

  /**
   * The spans recorded after the first `after` (oldest first, at most `limit`), for an exporter
   * that polls: `next` is the `after` of its next poll, `dropped` how many were overwritten before
   * it asked (more calls between two polls than the ring holds).
   */
  since(after: number, limit: number): { spans: SpanRecord[]; next: number; dropped: number } {
    const oldest = Math.max(after, this.recorded - this.capacity);
    const end = Math.min(this.recorded, oldest + limit);
    const spans: SpanRecord[] = [];
    for (let n = oldest; n < end; n++) {
      const i = n % this.capacity;
      spans.push(this.record(i, this.traces.toString('hex', i * TRACE_BYTES, (i + 1) * TRACE_BYTES)));
    }
    return { spans, next: end, dropped: Math.max(0, oldest - after) };
  }

  /** The spans matching `query`, oldest first (the newest `limit` of them). */
  find(query: SpanQuery): SpanRecord[] {
    const prefix = query.trace?.toLowerCase();
    const out: SpanRecord[] = [];
    const kept = Math.min(this.recorded, this.capacity);
    for (let back = 1; back <= kept && out.length < query.limit; back++) {
      const i = (this.recorded - back) % this.capacity;
      const trace = this.traces.toString('hex', i * TRACE_BYTES, (i + 1) * TRACE_BYTES);
      if (prefix === undefined || trace.startsWith(prefix)) out.push(this.record(i, trace));
    }
    return out.reverse();
  }

  private record(i: number, trace: string): SpanRecord {
    const r: SpanRecord = { trace, span: spanHex(this.spans[i]!), method: this.methods[i]!, start: round3(this.starts[i]!), durationMs: round3(this.durations[i]!), outcome: this.outcomes[i]! };
    if (this.hasParent[i] === 1) r.parent = this.parents.toString('hex', i * SPAN_BYTES, (i + 1) * SPAN_BYTES);
    const caller = this.callers[i];
    if (caller?.cell !== undefined) r.caller = caller.cell;
    if (caller?.node !== undefined) r.node = caller.node;
    return r;
  }
}
