export { ERROR_CODES, type CellErrorCode, isCellErrorCode } from './error-codes.ts';
export { CellError, type WireError, isCellError, toCellError, fromWireError } from './cell-error.ts';
export {
  FrameKind,
  frameKindName,
  isFrameKind,
  FLAG_DEADLINE,
  FLAG_TRACE,
  FLAG_NAME,
  FLAG_STREAM_IN,
  FLAG_SPAN,
  FLAG_EARLY,
  LENGTH_PREFIX_BYTES,
  FIXED_HEADER_BYTES,
  TRACE_ID_BYTES,
  SPAN_ID_BYTES,
  MAX_NAME_BYTES,
  MAX_STREAM_ID,
  frameLimit,
  fitsPayloadLimit,
  type Frame,
  type FrameParts,
  encodeFrame,
  encodeFrameHead,
  frameBytes,
  writeFrame,
  frameTail,
} from './frame.ts';
export { decodeFrameBody, frameBodyBytes, FrameFormatError, parseFrame } from './parse-frame.ts';
export { FrameDecoder, type FrameSink, type OversizeFrame } from './frame-decoder.ts';
export { encodeBody, encodeWireBody, encodeSentBody, decodeBody, BinBody, TransientBody, BIN_BODY_MIN_BYTES, type WireBody } from './body-codec.ts';
export { newTraceId, traceToHex, traceFromHex } from './trace-id.ts';
export { nextSpan, spanBytes, spanHex, MAX_SPANS, DEFAULT_SPANS } from './span-id.ts';
export { lazy } from './lazy.ts';
