import { describe, expect, it } from 'vitest';
import { encodeFrame, type Frame, FrameKind } from './frame.ts';
import { FrameFormatError } from './parse-frame.ts';
import { FrameDecoder, type OversizeFrame } from './frame-decoder.ts';
import { encodeBody, decodeBody } from './body-codec.ts';

function collect(decoder: FrameDecoder, chunks: Buffer[]): { frames: Frame[]; oversize: OversizeFrame[] } {
  const frames: Frame[] = [];
  const oversize: OversizeFrame[] = [];
  for (const c of chunks) decoder.push(c, { frame: (f) => frames.push(f), oversize: (o) => oversize.push(o) });
  return { frames, oversize };
}

const stream = Buffer.concat(
  Array.from({ length: 5 }, (_, i) => encodeFrame({ kind: FrameKind.REQUEST, streamId: i + 1, name: 'm', body: encodeBody({ i, pad: 'x'.repeat(i * 7) }) })),
);

describe('FrameDecoder', () => {
  it('cuts frames out of a stream split at every possible byte boundary', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const { frames } = collect(new FrameDecoder(1024), [stream.subarray(0, cut), stream.subarray(cut)]);
      expect(frames.map((f) => f.streamId)).toEqual([1, 2, 3, 4, 5]);
      expect(decodeBody(frames[4]!.body)).toEqual({ i: 4, pad: 'x'.repeat(28) });
    }
  });

  it('assembles large frames arriving in socket-sized reads, with small frames around them, up to the frame limit', () => {
    // 1 MiB is assembled as it arrives; 5 MiB (over the 4 MiB assembly bound) is gathered, then copied once.
    for (const size of [1 << 20, 5 << 20]) {
      const payload = Buffer.alloc(size, 7);
      payload.writeUInt32BE(0xdeadbeef, size - 4);
      const bytes = Buffer.concat([stream, encodeFrame({ kind: FrameKind.RESPONSE, streamId: 9, body: payload }), stream]);
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += 65536) chunks.push(bytes.subarray(at, at + 65536));
      const decoder = new FrameDecoder(8 << 20);
      const { frames } = collect(decoder, chunks);
      const big = frames.find((f) => f.streamId === 9)!;
      expect(big.body!.length).toBe(size);
      expect(big.body!.readUInt32BE(size - 4)).toBe(0xdeadbeef);
      expect(frames.filter((f) => f.kind === FrameKind.REQUEST).map((f) => f.streamId)).toEqual([1, 2, 3, 4, 5, 1, 2, 3, 4, 5]);
      expect(decoder.hasPartialFrame).toBe(false);
    }
  });

  it('decodes a stream fed one byte at a time', () => {
    const chunks = [...stream].map((b) => Buffer.from([b]));
    const decoder = new FrameDecoder(1024);
    const { frames } = collect(decoder, chunks);
    expect(frames).toHaveLength(5);
    expect(decoder.hasPartialFrame).toBe(false);
  });

  it('reports an oversized frame from its header and skips its body without buffering it', () => {
    const big = encodeFrame({ kind: FrameKind.REQUEST, streamId: 42, name: 'm', body: Buffer.alloc(10_000) });
    const after = encodeFrame({ kind: FrameKind.PING, streamId: 43 });
    const decoder = new FrameDecoder(1000);
    const chunks: Buffer[] = [];
    for (let i = 0; i < big.length; i += 100) chunks.push(big.subarray(i, i + 100));
    chunks.push(after);
    const { frames, oversize } = collect(decoder, chunks);
    expect(oversize).toEqual([{ kind: FrameKind.REQUEST, streamId: 42, declaredBytes: big.length - 4 }]);
    expect(frames.map((f) => f.streamId)).toEqual([43]);
  });

  it('reports a huge declared length at once, holding at most the peeked header', () => {
    const head = Buffer.from([0xff, 0xff, 0xff, 0xff, FrameKind.REQUEST, 0, 0, 0, 0, 9]);
    const decoder = new FrameDecoder(1 << 20);
    const { oversize } = collect(decoder, [head, Buffer.alloc(4096)]);
    expect(oversize[0]?.declaredBytes).toBe(0xffffffff);
    expect(oversize[0]?.streamId).toBe(9);
    expect(decoder.hasPartialFrame).toBe(true); // still discarding the declared bytes
  });

  it('throws on a declared length shorter than a header', () => {
    expect(() => collect(new FrameDecoder(1024), [Buffer.from([0, 0, 0, 2, 1, 0])])).toThrow(FrameFormatError);
  });

  it('tracks a partial frame', () => {
    const decoder = new FrameDecoder(1024);
    collect(decoder, [stream.subarray(0, 7)]);
    expect(decoder.hasPartialFrame).toBe(true);
  });

  it('keeps nothing of a borrowed chunk: every frame decodes the same after the read buffer is overwritten', () => {
    // Small frames, one over the frame limit, frames assembled (1 MiB) and gathered (5 MiB), heads split across reads.
    const payload = (size: number, seed: number) => Buffer.alloc(size, seed);
    const parts = [
      stream,
      encodeFrame({ kind: FrameKind.RESPONSE, streamId: 20, body: payload(40_000, 1) }),
      encodeFrame({ kind: FrameKind.REQUEST, streamId: 21, name: 'm', body: payload(9 << 20, 2) }), // over the limit: skipped
      encodeFrame({ kind: FrameKind.RESPONSE, streamId: 22, body: payload(1 << 20, 3) }),
      stream,
      encodeFrame({ kind: FrameKind.RESPONSE, streamId: 23, body: payload(5 << 20, 4) }),
      stream,
    ];
    const all = Buffer.concat(parts);
    const small = Buffer.concat([stream, stream, stream]);
    // Reads of a few bytes split headers across them (over the small frames only: 20 MB of 7-byte reads is slow).
    for (const [bytes, readSize] of [[all, 65536], [all, 4093], [small, 3], [small, 7], [small, 11]] as const) {
      const owned = collect(new FrameDecoder(8 << 20), [bytes]);
      const decoder = new FrameDecoder(8 << 20);
      const frames: Frame[] = [];
      const oversize: OversizeFrame[] = [];
      const readBuffer = Buffer.alloc(readSize);
      for (let at = 0; at < bytes.length; at += readSize) {
        const n = bytes.copy(readBuffer, 0, at, at + readSize);
        decoder.push(readBuffer.subarray(0, n), { frame: (f) => frames.push(f), oversize: (o) => oversize.push(o) }, true);
        readBuffer.fill(0xee); // the socket's next read
      }
      expect(decoder.hasPartialFrame).toBe(false);
      expect(oversize).toEqual(owned.oversize);
      expect(frames.map((f) => [f.kind, f.streamId, f.name, Buffer.from(f.body ?? [])])).toEqual(owned.frames.map((f) => [f.kind, f.streamId, f.name, Buffer.from(f.body ?? [])]));
      if (bytes === all) expect(frames.map((f) => f.streamId)).toEqual([1, 2, 3, 4, 5, 20, 22, 1, 2, 3, 4, 5, 23, 1, 2, 3, 4, 5]);
      else expect(frames).toHaveLength(15);
    }
  });
});
