import { CellError, fitsPayloadLimit, type WireBody } from '@cell/protocol';

/** Why an input cannot go to a cell that takes payloads of up to `maxFrameBytes`; undefined when it fits. */
export function inputTooLarge(body: WireBody | undefined, maxFrameBytes: number): CellError | undefined {
  const bytes = body?.length ?? 0;
  if (fitsPayloadLimit(bytes, maxFrameBytes)) return undefined;
  return new CellError('CELL_E_FRAME_TOO_LARGE', `input of ${bytes} bytes exceeds the cell's limit of ${maxFrameBytes} bytes (send more than that as a stream)`, {
    details: { bytes, maxFrameBytes },
  });
}
