import { describe, expect, it } from 'vitest';
import { inputTooLarge } from './input-limit.ts';

describe('inputTooLarge', () => {
  it('lets a payload of exactly the limit through, and names the bytes and the limit beyond it', () => {
    expect(inputTooLarge(undefined, 1024)).toBeUndefined();
    expect(inputTooLarge(Buffer.alloc(1024), 1024)).toBeUndefined();
    const error = inputTooLarge(Buffer.alloc(4096), 1024);
    expect(error).toMatchObject({ code: 'CELL_E_FRAME_TOO_LARGE', details: { bytes: 4096, maxFrameBytes: 1024 } });
    expect(error?.message).toContain('send more than that as a stream');
  });
});
