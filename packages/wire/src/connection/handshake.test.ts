import { describe, expect, it } from 'vitest';
import { isCellError } from '@cell/protocol';
import { GENOME_METHOD, parseClientHello, parseServerHello, PROTOCOL_VERSION } from './handshake.ts';

const client = { v: 1, role: 'client', maxFrameBytes: 65_536, windowBytes: 4096 };
const server = { v: 1, role: 'server', name: 'stock', version: '1.0.0', fingerprint: 'sha256:abc', maxFrameBytes: 65_536, windowBytes: 4096 };

/** The fields a refused HELLO names, from the error's details (never its wording). */
function badFields(parse: () => unknown): string[] {
  try {
    parse();
  } catch (err) {
    if (!isCellError(err) || err.code !== 'CELL_E_PROTOCOL') throw err;
    return (err.details as { problems: Array<{ field: string }> }).problems.map((p) => p.field);
  }
  throw new Error('the HELLO was accepted');
}

describe('handshake parsing', () => {
  it('speaks protocol version 1 and names the built-in genome method', () => {
    expect(PROTOCOL_VERSION).toBe(1);
    expect(GENOME_METHOD).toBe('$genome');
  });

  it('reads a full caller HELLO', () => {
    const hello = { ...client, target: 'stock', fingerprint: 'sha256:abc', cell: 'shop', replica: 'shop-1' };
    expect(parseClientHello(hello)).toEqual(hello);
  });

  it('turns nil fields into absent ones, so nothing downstream sees null', () => {
    const hello = parseClientHello({ ...client, target: null, fingerprint: null, cell: 'shop', replica: null });
    expect(hello).toEqual({ ...client, cell: 'shop' });
    expect(Object.keys(hello)).not.toContain('target');
    const served = parseServerHello({ ...server, replica: null, pid: null });
    expect(Object.keys(served).sort()).toEqual(['fingerprint', 'maxFrameBytes', 'name', 'role', 'v', 'version', 'windowBytes']);
  });

  it('drops fields it does not know: nothing else a peer sends reaches us', () => {
    const hello = parseClientHello({ ...client, admin: true, extra: { deep: 1 } });
    expect(Object.keys(hello).sort()).toEqual(['maxFrameBytes', 'role', 'v', 'windowBytes']);
    expect(parseServerHello({ ...server, pid: 42, debug: 'yes' })).toEqual({ ...server, pid: 42 });
  });

  it('names every bad field of a caller HELLO at once', () => {
    const fields = badFields(() => parseClientHello({ v: 1, role: 'client', target: 7, cell: 'x'.repeat(257), maxFrameBytes: 10, windowBytes: 1.5 }));
    expect(fields.sort()).toEqual(['cell', 'maxFrameBytes', 'target', 'windowBytes']);
    expect(badFields(() => parseClientHello({ v: 1, role: 'client' })).sort()).toEqual(['maxFrameBytes', 'windowBytes']);
  });

  it('names every bad field of a membrane HELLO at once', () => {
    const fields = badFields(() => parseServerHello({ v: 1, role: 'server', name: '', fingerprint: 5, pid: -1, maxFrameBytes: 2 ** 32, windowBytes: 1023 }));
    expect(fields.sort()).toEqual(['fingerprint', 'maxFrameBytes', 'name', 'pid', 'version', 'windowBytes']);
  });

  it('refuses another protocol version or the wrong role before looking further', () => {
    expect(badFields(() => parseClientHello({ ...client, v: 2 }))).toEqual(['v']);
    expect(badFields(() => parseClientHello({ ...client, v: '1' }))).toEqual(['v']);
    expect(badFields(() => parseClientHello({ ...server }))).toEqual(['role']);
    expect(badFields(() => parseServerHello({ ...client }))).toEqual(['role']);
  });

  it('refuses a body that is not a map', () => {
    for (const body of [undefined, null, 'hello', 1, [client], Buffer.from('x')]) {
      expect(badFields(() => parseClientHello(body)), JSON.stringify(body)).toHaveLength(1);
    }
  });

  it('accepts the smallest limits a peer may announce and the largest a u32 holds', () => {
    expect(parseClientHello({ ...client, maxFrameBytes: 1024, windowBytes: 1024 }).maxFrameBytes).toBe(1024);
    expect(parseServerHello({ ...server, maxFrameBytes: 0xffff_ffff, windowBytes: 0xffff_ffff }).windowBytes).toBe(0xffff_ffff);
    expect(badFields(() => parseClientHello({ ...client, maxFrameBytes: 1023 }))).toEqual(['maxFrameBytes']);
  });
});
