import { writeU32 } from './byte-writes.ts';
import { processRandomWords } from './process-random.ts';
/** Length of a trace id in bytes. */
const TRACE_ID_BYTES = 16;

// Random per-process prefix + counter: unique without a syscall (or a BigInt) per call.
const random = processRandomWords(3);
const prefixHigh = random[0]!;
const prefixLow = random[1]!;
let high = random[2]!;
let low = 0;

/** Writes a fresh trace id into `target` at `offset` (16 bytes). */
export function writeTraceId(target: Buffer, offset: number): void {
  writeU32(target, offset, prefixHigh);
  writeU32(target, offset + 4, prefixLow);
  low = (low + 1) >>> 0;
  if (low === 0) high = (high + 1) >>> 0;
  writeU32(target, offset + 8, high);
  writeU32(target, offset + 12, low);
}

/** A fresh 16-byte trace id. */
export function newTraceId(): Buffer {
  const id = Buffer.allocUnsafe(TRACE_ID_BYTES);
  writeTraceId(id, 0);
  return id;
}

/** Trace ids appear in logs as 32 hex characters. */
export function traceToHex(trace: Buffer | undefined): string | undefined {
  return trace?.toString('hex');
}

/** Parses a 32-hex-character trace id; returns undefined for anything else. */
export function traceFromHex(hex: string): Buffer | undefined {
  return /^[0-9a-f]{32}$/i.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}
