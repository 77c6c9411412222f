import type { IncomingMessage } from 'node:http';
import { newTraceId } from '@cell/protocol';

/** W3C Trace Context: `version-traceid-parentid-flags`, lowercase hex (https://www.w3.org/TR/trace-context/#traceparent-header). */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ALL_ZERO = /^0+$/;

/**
 * The trace an HTTP request's call continues: the caller's W3C `traceparent` (its trace, its
 * span as the call's parent) when it sends a valid one, else a fresh trace. The door answers the
 * trace id in `x-cell-trace`, so `cell trace` can find the call.
 */
export function traceOf(req: IncomingMessage): { traceId: Buffer; spanId?: Buffer } {
  const header = req.headers['traceparent'];
  const m = typeof header === 'string' ? TRACEPARENT.exec(header.trim()) : null;
  if (!m || m[1] === 'ff' || ALL_ZERO.test(m[2]!) || ALL_ZERO.test(m[3]!)) return { traceId: newTraceId() };
  return { traceId: Buffer.from(m[2]!, 'hex'), spanId: Buffer.from(m[3]!, 'hex') };
}
