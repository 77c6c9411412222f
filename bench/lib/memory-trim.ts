import { DEFAULT_MEMORY_TRIM_MS } from '@cell/host';

/**
 * How long after its last call an idle cell has surely given its memory back: it looks four times
 * per wait (so it trims within 1.25 waits), and the collection takes ~20 ms; 1 s to spare.
 */
export const PAST_MEMORY_TRIM_MS = DEFAULT_MEMORY_TRIM_MS * 1.25 + 1000;
