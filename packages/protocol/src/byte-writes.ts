/**
 * Writes of a few bytes on the hot path: every frame writes a header, a trace id, a name and often
 * a small body. Node's `Buffer#copy` checks its arguments in JavaScript and makes a view for every
 * copy of a range (~29 ns for 16 bytes, where a loop takes ~15 and `TypedArray#set` of a whole
 * array ~10), and `Buffer#writeUInt32BE` checks its value (~7 ns against ~4 for four stores).
 */

/** Up to this many bytes a loop beats a view and a native copy (measured: equal at ~32). */
const LOOP_MAX_BYTES = 24;

/** Copies `source[start, end)` into `target` at `at` (room checked by the caller); returns where it ends. */
export function copyRange(source: Uint8Array, start: number, end: number, target: Uint8Array, at: number): number {
  const n = end - start;
  if (n <= LOOP_MAX_BYTES) {
    for (let i = 0; i < n; i++) target[at + i] = source[start + i]!;
  } else target.set(source.subarray(start, end), at);
  return at + n;
}

/** Copies all of `source` into `target` at `at`; returns where it ends. */
export function copyAll(source: Uint8Array, target: Uint8Array, at: number): number {
  target.set(source, at);
  return at + source.length;
}

/** Writes `value` (an unsigned 32-bit integer, unchecked) big-endian at `at`. */
export function writeU32(target: Uint8Array, at: number, value: number): void {
  target[at] = value >>> 24;
  target[at + 1] = value >>> 16;
  target[at + 2] = value >>> 8;
  target[at + 3] = value;
}
