import { describe, expect, it } from 'vitest';
import { type CellError, decodeBody, encodeBody, isCellError } from '@cell/protocol';
import { xorshift } from '../test-support/xorshift.ts';
import { parseClientHello, parseServerHello } from './handshake.ts';
import { clientHellos, HelloMemo, serverHellos } from './hello-memo.ts';

const client = { v: 1, role: 'client', target: 'stock', fingerprint: 'sha256:abc', maxFrameBytes: 65_536, windowBytes: 4096 };
const server = { v: 1, role: 'server', name: 'stock', version: '1.0.0', fingerprint: 'sha256:abc', maxFrameBytes: 65_536, windowBytes: 4096, early: true };

/** A memo over parseClientHello that counts the parses it makes. */
function countingMemo(capacity?: number): { memo: HelloMemo<object>; parses: () => number } {
  let parses = 0;
  const memo = new HelloMemo<object>((body) => {
    parses++;
    return parseClientHello(body);
  }, capacity);
  return { memo, parses: () => parses };
}

describe('HelloMemo', () => {
  it('parses the same bytes once and hands every connection the same frozen HELLO', () => {
    const { memo, parses } = countingMemo();
    const first = memo.read(encodeBody(client));
    const second = memo.read(encodeBody(client));
    expect(first).toEqual(parseClientHello(client));
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(parses()).toBe(1);
  });

  it('parses different bytes on their own', () => {
    const { memo, parses } = countingMemo();
    expect(memo.read(encodeBody(client))).toMatchObject({ target: 'stock' });
    expect(memo.read(encodeBody({ ...client, target: 'orders' }))).toMatchObject({ target: 'orders' });
    expect(parses()).toBe(2);
  });

  it('refuses a malformed HELLO every time it comes, with its reasons: only good ones are remembered', () => {
    const { memo, parses } = countingMemo();
    const bad = encodeBody({ ...client, maxFrameBytes: -1 });
    for (let i = 0; i < 2; i++) {
      const err = (() => {
        try {
          memo.read(bad);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(isCellError(err) && err.code).toBe('CELL_E_PROTOCOL');
      expect((err as CellError).details).toMatchObject({ problems: [{ field: 'maxFrameBytes' }] });
    }
    expect(parses()).toBe(2);
    expect(() => memo.read(undefined)).toThrow(/not a map/);
    expect(() => memo.read(Buffer.from([0xc1]))).toThrow();
  });

  it('keeps its own copy: a read buffer written over later does not change what it remembers', () => {
    const { memo, parses } = countingMemo();
    const bytes = encodeBody(client)!;
    const shared = Buffer.alloc(bytes.length + 8);
    bytes.copy(shared, 4);
    const view = shared.subarray(4, 4 + bytes.length);
    const first = memo.read(view);
    shared.fill(0);
    expect(memo.read(encodeBody(client))).toBe(first);
    expect(parses()).toBe(1);
  });

  it('forgets the oldest HELLO once full', () => {
    const { memo, parses } = countingMemo(2);
    const say = (target: string) => memo.read(encodeBody({ ...client, target }));
    say('a');
    say('b');
    say('c'); // takes a's place
    expect(parses()).toBe(3);
    say('b');
    say('c');
    expect(parses()).toBe(3);
    say('a');
    expect(parses()).toBe(4);
  });

  it('answers as parsing would for any bytes: damaged HELLOs, said again and again, in any order', () => {
    // What parsing the bytes afresh gives: the HELLO, or the refusal's code and message.
    const outcome = (read: () => unknown): unknown => {
      try {
        return { hello: read() };
      } catch (err) {
        return { refused: isCellError(err) ? `${err.code}: ${err.message}` : `${(err as Error).name}` };
      }
    };
    const memo = new HelloMemo(parseClientHello, 4);
    const next = xorshift(20261130);
    const good = [client, { ...client, target: 'orders' }, { ...client, cell: 'shop', replica: 'shop-2' }].map((h) => encodeBody(h)!);
    const seen: Buffer[] = [];
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      let bytes: Buffer;
      const pick = next() % 4;
      if (pick === 0 && seen.length > 0) bytes = seen[next() % seen.length]!; // said again
      else {
        bytes = Buffer.from(good[next() % good.length]!);
        for (let flips = next() % 3; flips > 0; flips--) bytes[next() % bytes.length] = next() & 0xff; // damaged (or not)
        seen.push(bytes);
      }
      const expected = outcome(() => parseClientHello(decodeBody(bytes)));
      expect(outcome(() => memo.read(bytes))).toEqual(expected);
      if ('refused' in (expected as object)) refused++;
    }
    expect(refused).toBeGreaterThan(100); // the damage did reach the checks
  });

  it("reads both sides' HELLOs as their parsers do", () => {
    expect(clientHellos.read(encodeBody(client))).toEqual(parseClientHello(client));
    expect(serverHellos.read(encodeBody(server))).toEqual(parseServerHello(server));
  });
});
