import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeFrameHead, fitsPayloadLimit, FLAG_EARLY, FLAG_STREAM_IN, frameBytes, FrameKind, frameLimit, LENGTH_PREFIX_BYTES, MAX_NAME_BYTES, writeFrame } from './frame.ts';
import { FrameFormatError, parseFrame, parseFrameAt } from './parse-frame.ts';
import { encodeBody, decodeBody } from './body-codec.ts';
import { newTraceId } from './trace-id.ts';
import { nextSpan, spanBytes } from './span-id.ts';

describe('frame', () => {
  it('round-trips every header field', () => {
    const trace = newTraceId();
    const span = spanBytes(nextSpan());
    const buf = encodeFrame({
      kind: FrameKind.REQUEST,
      streamId: 0xfffffffe,
      flags: FLAG_STREAM_IN | FLAG_EARLY,
      deadlineMs: 1500,
      trace,
      span,
      name: 'échoé',
      body: encodeBody({ a: [1, 'two'] }),
    });
    expect(buf.readUInt32BE(0)).toBe(buf.length - 4);
    const f = parseFrame(buf.subarray(4));
    expect(f.kind).toBe(FrameKind.REQUEST);
    expect(f.streamId).toBe(0xfffffffe);
    expect(f.flags & FLAG_STREAM_IN).toBe(FLAG_STREAM_IN);
    expect(f.flags & FLAG_EARLY).toBe(FLAG_EARLY);
    expect(f.deadlineMs).toBe(1500);
    expect(f.trace?.equals(trace)).toBe(true);
    expect(f.span?.equals(span)).toBe(true);
    expect(f.name).toBe('échoé');
    expect(decodeBody(f.body)).toEqual({ a: [1, 'two'] });
  });

  it('writes frames back to back into one buffer exactly as encodeFrame makes them, and parses them in place', () => {
    const parts = [
      { kind: FrameKind.REQUEST, streamId: 1, deadlineMs: 30_000, trace: newTraceId(), name: Buffer.from('échoé'), body: encodeBody({ n: 1 }) },
      { kind: FrameKind.PING, streamId: 2 },
      { kind: FrameKind.RESPONSE, streamId: 3, body: encodeBody('x'.repeat(300)) },
    ] as const;
    const total = parts.reduce((n, p) => n + frameBytes(p), 0);
    const out = Buffer.alloc(total + 8, 0xee);
    let at = 4; // not at the start of the buffer
    for (const p of parts) at = writeFrame(p, out, at);
    expect(at).toBe(4 + total);
    expect(out.subarray(4, at)).toEqual(Buffer.concat(parts.map((p) => encodeFrame(p))));
    const second = 4 + frameBytes(parts[0]);
    const f = parseFrameAt(out, second + frameBytes(parts[1]) + LENGTH_PREFIX_BYTES, second + frameBytes(parts[1]) + frameBytes(parts[2]));
    expect(f).toMatchObject({ kind: FrameKind.RESPONSE, streamId: 3 });
    expect(decodeBody(f.body)).toBe('x'.repeat(300));
    expect(parseFrameAt(out, 4 + LENGTH_PREFIX_BYTES, second).trace?.equals(parts[0].trace)).toBe(true);
  });

  it('keeps an absent body absent', () => {
    const f = parseFrame(encodeFrame({ kind: FrameKind.PING, streamId: 7 }).subarray(4));
    expect(f.body).toBeUndefined();
    expect(decodeBody(f.body)).toBeUndefined();
  });

  it('rejects unknown kinds, unknown flags and truncated optional fields', () => {
    expect(() => parseFrame(Buffer.from([99, 0, 0, 0, 0, 1]))).toThrow(FrameFormatError);
    expect(() => parseFrame(Buffer.from([FrameKind.PING, 0x80, 0, 0, 0, 1]))).toThrow(FrameFormatError);
    expect(() => parseFrame(Buffer.from([FrameKind.PING, 0x01, 0, 0, 0, 1, 0]))).toThrow(FrameFormatError);
    expect(() => parseFrame(Buffer.from([FrameKind.PING, 0x04, 0, 0, 0, 1, 5, 65]))).toThrow(FrameFormatError);
    expect(() => parseFrame(Buffer.from([FrameKind.PING]))).toThrow(FrameFormatError);
    expect(() => parseFrame(Buffer.from([FrameKind.REQUEST, 0x10, 0, 0, 0, 1, 1, 2, 3]))).toThrow(/inside its span id/);
  });

  it('carries no span id unless one is given (most frames)', () => {
    const f = parseFrame(encodeFrame({ kind: FrameKind.REQUEST, streamId: 1, trace: 'new', name: 'x' }).subarray(4));
    expect(f.span).toBeUndefined();
    expect(f.flags & 0x10).toBe(0);
  });

  it('refuses names longer than 255 bytes and malformed trace ids when encoding', () => {
    expect(() => encodeFrame({ kind: FrameKind.REQUEST, streamId: 1, name: 'x'.repeat(256) })).toThrow(RangeError);
    expect(() => encodeFrame({ kind: FrameKind.REQUEST, streamId: 1, trace: Buffer.alloc(3) })).toThrow(RangeError);
    expect(() => encodeFrame({ kind: FrameKind.REQUEST, streamId: 1, span: Buffer.alloc(16) })).toThrow(/span id must be 8 bytes/);
  });

  it('rejects trailing bytes after a msgpack body', () => {
    expect(() => decodeBody(Buffer.concat([encodeBody(1)!, Buffer.from([1])]))).toThrow();
  });
  it('limits the payload users send, not the framing: a body of exactly the limit, wrapped by msgpack, fits a frame of the limit', () => {
    const limit = 16 * 2 ** 20;
    const body = encodeBody({ data: Buffer.alloc(limit) })!;
    expect(fitsPayloadLimit(body.length, limit)).toBe(true);
    const frame = encodeFrame({ kind: FrameKind.REQUEST, streamId: 1, deadlineMs: 1000, trace: 'new', span: spanBytes(nextSpan()), name: 'x'.repeat(MAX_NAME_BYTES), body });
    expect(frame.length - LENGTH_PREFIX_BYTES).toBeLessThanOrEqual(frameLimit(limit));
    expect(fitsPayloadLimit(limit + 2048, limit)).toBe(false);
  });
  it('encodes a header alone whose length counts the body written after it: the same bytes as the whole frame', () => {
    const body = encodeBody({ data: Buffer.alloc(100_000, 7) })!;
    const parts = { kind: FrameKind.RESPONSE, streamId: 9, deadlineMs: 50, trace: newTraceId(), name: 'echo', body };
    expect(Buffer.concat([encodeFrameHead(parts), body]).equals(encodeFrame(parts))).toBe(true);
    expect(encodeFrameHead({ kind: FrameKind.PING, streamId: 0 }).equals(encodeFrame({ kind: FrameKind.PING, streamId: 0 }))).toBe(true);
  });
});
