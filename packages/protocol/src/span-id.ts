import { processRandomWords } from './process-random.ts';

/** The most spans a cell keeps (`[observe] spans`, `CELL_SPANS`). */
export const MAX_SPANS = 100_000;
/** How many of its newest calls a cell keeps as spans when nothing says otherwise (a few hundred KiB once full). */
export const DEFAULT_SPANS = 1024;

/**
 * Span ids (8 bytes): a random per-process half and a counter. A call's span is kept as its
 * counter value, a number: the bytes and the hex form are made only when something reads them.
 */
const processHalf = processRandomWords(1)[0]!;
const processHex = processHalf.toString(16).padStart(8, '0');
let last = 0;

/** The next span of this process (never 0, which means "no span"). */
export function nextSpan(): number {
  last = (last + 1) >>> 0 || 1;
  return last;
}

/** The 8 bytes of span `seq` of this process, as a REQUEST frame carries its parent. */
export function spanBytes(seq: number): Buffer {
  const id = Buffer.allocUnsafe(8);
  id.writeUInt32BE(processHalf, 0);
  id.writeUInt32BE(seq >>> 0, 4);
  return id;
}

/** Span `seq` of this process as 16 hex characters (the form traces show). */
export function spanHex(seq: number): string {
  return processHex + (seq >>> 0).toString(16).padStart(8, '0');
}
