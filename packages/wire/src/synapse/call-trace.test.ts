import { describe, expect, it } from 'vitest';
import type { ServerHello } from '../connection/handshake.ts';
import { parentSpanFor, traceFor } from './call-trace.ts';

const hello = (spans: boolean | undefined) => ({ spans }) as ServerHello;

describe('call trace headers', () => {
  it("continue the caller's trace (bytes or hex), else ask for a fresh one", () => {
    const id = Buffer.alloc(16, 7);
    expect(traceFor({ traceId: id })).toBe(id);
    expect(traceFor({ trace: '07'.repeat(16) })).toEqual(id);
    expect(traceFor({ trace: 'not hex' })).toBe('new');
    expect(traceFor({})).toBe('new');
  });

  it('send the parent span only to a cell that said it reads one, and only a well-formed one', () => {
    const span = Buffer.alloc(8, 1);
    expect(parentSpanFor({ spanId: span }, hello(true))).toBe(span);
    expect(parentSpanFor({ spanId: span }, hello(undefined))).toBeUndefined();
    expect(parentSpanFor({ spanId: Buffer.alloc(4) }, hello(true))).toBeUndefined();
    expect(parentSpanFor({}, hello(true))).toBeUndefined();
  });
});
