import { describe, expect, it } from 'vitest';
import { encodeBody } from './body-codec.ts';
import { encodeFrame, FrameKind, LENGTH_PREFIX_BYTES } from './frame.ts';
import { decodeFrameBody, frameBodyBytes, parseFrame, parseFrameAt } from './parse-frame.ts';

describe('names of received frames', () => {
  it('reads each name right when names that share a length and first and last byte alternate', () => {
    const names = ['axb', 'ayb', 'axb', 'échoé', 'ayb', 'écho é'.slice(0, 5), ''];
    for (const name of names) {
      const f = parseFrame(encodeFrame({ kind: FrameKind.REQUEST, streamId: 1, name }).subarray(LENGTH_PREFIX_BYTES));
      expect(f.name).toBe(name);
    }
  });
});

describe('decoding a received frame body where it lies', () => {
  /** Frames back to back in one buffer, as a socket read brings them; each parsed in place. */
  function parsedInOneChunk(bodies: Array<Buffer | undefined>) {
    const chunk = Buffer.concat(bodies.map((body, i) => encodeFrame({ kind: FrameKind.STREAM_DATA, streamId: i + 1, body })));
    const frames = [];
    for (let at = 0; at < chunk.length; ) {
      const length = chunk.readUInt32BE(at);
      frames.push(parseFrameAt(chunk, at + LENGTH_PREFIX_BYTES, at + LENGTH_PREFIX_BYTES + length));
      at += LENGTH_PREFIX_BYTES + length;
    }
    return frames;
  }

  it('decodes each frame of a chunk to its own value, and counts its body bytes', () => {
    const values = [{ n: 1, text: 'a' }, 'two', [3, 3, 3], undefined, new Uint8Array([0xc1, 7])];
    const frames = parsedInOneChunk(values.map((v) => encodeBody(v)));
    expect(frames.map((f) => decodeFrameBody(f))).toEqual(values.map((v) => (v instanceof Uint8Array ? Buffer.from(v) : v)));
    expect(frames.map((f) => frameBodyBytes(f))).toEqual(values.map((v) => encodeBody(v)?.length ?? 0));
    expect(frames[3]!.body).toBeUndefined();
    expect(frames[1]!.body).toEqual(encodeBody('two'));
  });

  it('never reads past its own body: a truncated body throws though the next frame would complete it', () => {
    // An array of two holding one item, then a frame whose bytes could pass for the second.
    const [truncated, next] = parsedInOneChunk([Buffer.from([0x92, 0x01]), Buffer.from([0x02])]);
    expect(() => decodeFrameBody(truncated!)).toThrow();
    expect(decodeFrameBody(next!)).toBe(2);
  });

  it('refuses the never-used byte 0xC1 inside its body, small or large, and not in the frame after it', () => {
    const large = Buffer.concat([Buffer.from([0x92, 0xda, 0x01, 0x00]), Buffer.alloc(256, 0x61), Buffer.from([0xc1])]); // [str(256), 0xC1]
    const [small, big, clean, after] = parsedInOneChunk([Buffer.from([0x92, 0x01, 0xc1]), large, encodeBody({ ok: true }), Buffer.from([0xc1])]);
    expect(() => decodeFrameBody(small!)).toThrow(/0xC1/);
    expect(() => decodeFrameBody(big!)).toThrow(/0xC1/);
    expect(decodeFrameBody(clean!)).toEqual({ ok: true });
    expect(() => decodeFrameBody(after!)).toThrow(/0xC1/);
  });

  it('decodes a frame made by hand (not parsed) from its body', () => {
    expect(decodeFrameBody({ kind: FrameKind.RESPONSE, flags: 0, streamId: 1, body: encodeBody([1, 2]) })).toEqual([1, 2]);
    expect(frameBodyBytes({ kind: FrameKind.RESPONSE, flags: 0, streamId: 1 })).toBe(0);
  });
});
