import { describe, expect, it } from 'vitest';
import * as protocol from './index.ts';

describe('@cell/protocol public surface', () => {
  it('exports exactly the wire format, the error table and their helpers', () => {
    expect(Object.keys(protocol).sort()).toEqual(
      [
        'CellError',
        'ERROR_CODES',
        'FIXED_HEADER_BYTES',
        'FLAG_DEADLINE',
        'FLAG_NAME',
        'FLAG_STREAM_IN',
        'FLAG_TRACE',
        'FLAG_SPAN',
        'FLAG_EARLY',
        'SPAN_ID_BYTES',
        'nextSpan',
        'spanBytes',
        'spanHex',
        'MAX_SPANS',
        'DEFAULT_SPANS',
        'FrameDecoder',
        'FrameFormatError',
        'FrameKind',
        'LENGTH_PREFIX_BYTES',
        'MAX_NAME_BYTES',
        'MAX_STREAM_ID',
        'TRACE_ID_BYTES',
        'BIN_BODY_MIN_BYTES',
        'BinBody',
        'decodeBody',
        'decodeFrameBody',
        'frameBodyBytes',
        'encodeWireBody',
        'encodeSentBody',
        'TransientBody',
        'frameTail',
        'frameBytes',
        'writeFrame',
        'encodeBody',
        'encodeFrame',
        'encodeFrameHead',
        'fitsPayloadLimit',
        'frameKindName',
        'frameLimit',
        'fromWireError',
        'isCellError',
        'isCellErrorCode',
        'isFrameKind',
        'lazy',
        'newTraceId',
        'parseFrame',
        'toCellError',
        'traceFromHex',
        'traceToHex',
      ].sort(),
    );
  });

  it('keeps the wire constants of docs/protocol.md', () => {
    expect(protocol.FrameKind).toEqual({ HELLO: 1, REQUEST: 2, RESPONSE: 3, ERROR: 4, EVENT: 5, STREAM_DATA: 6, STREAM_END: 7, CANCEL: 8, PING: 9, PONG: 10, CREDIT: 11, GOAWAY: 12 });
    expect([protocol.FLAG_DEADLINE, protocol.FLAG_TRACE, protocol.FLAG_NAME, protocol.FLAG_STREAM_IN, protocol.FLAG_SPAN, protocol.FLAG_EARLY]).toEqual([0x01, 0x02, 0x04, 0x08, 0x10, 0x20]);
    expect(protocol.SPAN_ID_BYTES).toBe(8);
    expect([protocol.LENGTH_PREFIX_BYTES, protocol.FIXED_HEADER_BYTES, protocol.TRACE_ID_BYTES, protocol.MAX_NAME_BYTES, protocol.MAX_STREAM_ID]).toEqual([4, 6, 16, 255, 0xffff_ffff]);
  });
});
