import { describe, expect, it } from 'vitest';
import { BIN_BODY_MIN_BYTES, BinBody, decodeBody, encodeBody, encodeSentBody, encodeWireBody, TransientBody } from './body-codec.ts';
import { encodeFrame, encodeFrameHead, FrameKind, frameTail } from './frame.ts';
import { parseFrame } from './parse-frame.ts';

/** msgpack type bytes of the extension types (the record extension would use one). */
const EXT_TYPES = new Set([0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8]);

describe('body codec', () => {
  it('encodes undefined as no body at all, and decodes no body (or an empty one) as undefined', () => {
    expect(encodeBody(undefined)).toBeUndefined();
    expect(decodeBody(undefined)).toBeUndefined();
    expect(decodeBody(Buffer.alloc(0))).toBeUndefined();
    expect(decodeBody(encodeBody(null))).toBeNull();
  });

  it('round-trips the values contracts describe: maps as plain objects, arrays, strings, numbers, booleans, bytes', () => {
    const value = { s: 'é✓', n: -1.5, i: 42, big: 2 ** 40, t: true, f: false, nil: null, list: [1, 'two', { three: [3] }], nested: { deep: { deeper: 'x' } } };
    const back = decodeBody(encodeBody(value)) as Record<string, unknown>;
    expect(back).toEqual(value);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(back['nested'])).toBe(Object.prototype);
    const bytes = decodeBody(encodeBody(Buffer.from([1, 2, 3])));
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([...(bytes as Uint8Array)]).toEqual([1, 2, 3]);
  });

  it('keeps integers beyond 2^53 exact, as bigints', () => {
    expect(decodeBody(encodeBody(2n ** 60n))).toBe(2n ** 60n);
    expect(typeof decodeBody(encodeBody(Number.MAX_SAFE_INTEGER))).toBe('number');
  });

  it('writes plain msgpack any peer can read: no record extension, even for repeated shapes', () => {
    const encoded = encodeBody([{ a: 1, b: 'x' }, { a: 2, b: 'y' }, { a: 3, b: 'z' }])!;
    expect([...encoded].some((b) => EXT_TYPES.has(b))).toBe(false);
    expect(decodeBody(encoded)).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'y' }, { a: 3, b: 'z' }]);
  });

  it('gives each body its own meaning: a shape seen before changes nothing later', () => {
    const first = encodeBody({ sku: 'a', qty: 1 });
    const again = encodeBody({ sku: 'a', qty: 1 });
    expect(again!.equals(first!)).toBe(true);
  });

  it('decodes a hostile __proto__ key without touching any prototype', () => {
    // { "__proto__": { "polluted": 1 } }, written by hand as a peer could send it
    const hostile = Buffer.concat([Buffer.from([0x81, 0xa9]), Buffer.from('__proto__'), Buffer.from([0x81, 0xa8]), Buffer.from('polluted'), Buffer.from([0x01])]);
    const value = decodeBody(hostile) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(value['polluted']).toBeUndefined();
  });

  it('throws on the never-used type byte 0xC1 anywhere in a body, and not on 0xC1 bytes inside binary data', () => {
    for (const bytes of [[0xc1], [0x92, 0xc1, 0x01], [0x81, 0xa1, 0x61, 0xc1], [0x91, 0x91, 0x91, 0xc1]]) {
      expect(() => decodeBody(Buffer.from(bytes))).toThrow(/0xC1/);
    }
    const binary = decodeBody(encodeBody({ data: Buffer.from([0xc1, 0xc1]), n: 0xc1 })) as { data: Uint8Array; n: number };
    expect([...binary.data]).toEqual([0xc1, 0xc1]);
    expect(binary.n).toBe(0xc1);
  });

  it('throws on truncated msgpack and on bytes after the value', () => {
    expect(() => decodeBody(Buffer.from([0x92, 0x01]))).toThrow(); // an array of 2 holding 1
    expect(() => decodeBody(Buffer.from([0xa5, 0x61]))).toThrow(); // a 5-byte string holding 1
    expect(() => decodeBody(Buffer.concat([encodeBody('ok')!, Buffer.from([0x01])]))).toThrow();
  });

  it('encodes a body in place (valid until the next encoding): the same bytes encodeBody makes, copied out on demand', () => {
    const first = encodeSentBody({ n: 1, text: 'hello' });
    expect(first).toBeInstanceOf(TransientBody);
    const copy = (first as TransientBody).copy();
    expect(copy).toEqual(encodeBody({ n: 1, text: 'hello' }));
    expect(decodeBody(first)).toEqual({ n: 1, text: 'hello' });
    expect(first!.length).toBe(copy.length);
    encodeSentBody('next');
    expect(decodeBody(copy)).toEqual({ n: 1, text: 'hello' }); // the copy outlives the next encoding
    expect(encodeSentBody(undefined)).toBeUndefined();
    expect(encodeSentBody(new Uint8Array(BIN_BODY_MIN_BYTES))).toBeInstanceOf(BinBody);
  });

  it('sends a byte array of 64 KiB or more uncopied, after a bin 32 header, and it decodes to the same bytes', () => {
    const big = new Uint8Array(BIN_BODY_MIN_BYTES).map((_, i) => i % 251);
    const body = encodeWireBody(big);
    expect(body).toBeInstanceOf(BinBody);
    expect((body as BinBody).bytes).toBe(big); // the caller's array itself, not a copy
    expect(encodeWireBody(big.subarray(1))).toBeInstanceOf(Buffer); // smaller: ordinary msgpack
    const parts = { kind: FrameKind.RESPONSE, streamId: 7, body };
    const whole = encodeFrame(parts);
    expect(Buffer.concat([encodeFrameHead(parts), frameTail(parts)!])).toEqual(whole);
    const decoded = decodeBody(parseFrame(whole.subarray(4)).body) as Buffer;
    expect(Buffer.compare(decoded, big)).toBe(0);
    expect(Buffer.compare(encodeBody(big)!, Buffer.concat([(body as BinBody).head, big]))).toBe(0); // what msgpackr writes too
  });
});
