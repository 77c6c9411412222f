import { SPAN_ID_BYTES, TRACE_ID_BYTES, traceFromHex } from '@cell/protocol';
import type { ServerHello } from '../connection/handshake.ts';
import type { WireCallOptions } from './pending-calls.ts';

/** The caller's trace, or `'new'` to have a fresh id written straight into the frame. */
export function traceFor(opts: WireCallOptions): Buffer | 'new' {
  if (opts.traceId !== undefined && opts.traceId.length === TRACE_ID_BYTES) return opts.traceId;
  if (opts.trace !== undefined) return traceFromHex(opts.trace) ?? 'new';
  return 'new';
}

/** The span a call is made from, sent only to a cell that said in its HELLO it reads one. */
export function parentSpanFor(opts: WireCallOptions, remote: ServerHello): Buffer | undefined {
  const span = opts.spanId;
  return span !== undefined && span.length === SPAN_ID_BYTES && remote.spans === true ? span : undefined;
}
