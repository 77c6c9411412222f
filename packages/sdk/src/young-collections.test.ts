import { describe, expect, it } from 'vitest';
import { DEFAULT_YOUNG_GC_MIB } from '@cell/host';
import { youngGcMiB } from './young-collections.ts';

describe('young collections as launched', () => {
  it('reads CELL_YOUNG_GC_MIB when given (0: none), else 16 MiB in a cell the runtime started, else none', () => {
    expect(youngGcMiB({ name: undefined, youngGcMiB: undefined })).toBe(0);
    expect(youngGcMiB({ name: 'echo', youngGcMiB: undefined })).toBe(DEFAULT_YOUNG_GC_MIB);
    expect(DEFAULT_YOUNG_GC_MIB).toBe(16);
    expect(youngGcMiB({ name: 'echo', youngGcMiB: 0 })).toBe(0);
    expect(youngGcMiB({ name: undefined, youngGcMiB: 4 })).toBe(4);
  });
});
