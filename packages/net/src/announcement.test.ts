import { describe, expect, it } from 'vitest';
import { type Announcement, encodeAnnouncement, MAX_ANNOUNCEMENT_BYTES, parseAnnouncement } from './announcement.ts';

const NODE = '12D3KooWHFrmLWTTDD4NodngtRMEVYgxrsDMp4F9iSwYntZ9WjHa';

const valid: Announcement = {
  v: 1,
  node: NODE,
  directory: ['10.0.0.7:7700', '192.168.1.20:7700'],
  cells: [
    { name: 'stock', version: '1.2.0', fingerprint: `sha256:${'a'.repeat(64)}` },
    { name: 'mailer', version: '2.0.0', fingerprint: `sha256:${'b'.repeat(64)}` },
  ],
};

const bytes = (text: string) => new TextEncoder().encode(text);
const json = (value: unknown) => bytes(JSON.stringify(value));

describe('announcements', () => {
  it('round-trip through encode and parse', () => {
    expect(parseAnnouncement(encodeAnnouncement(valid))).toEqual(valid);
    const empty: Announcement = { v: 1, node: NODE, directory: [], cells: [] };
    expect(parseAnnouncement(encodeAnnouncement(empty))).toEqual(empty);
  });

  it('are JSON on the wire (what any node can read)', () => {
    expect(JSON.parse(new TextDecoder().decode(encodeAnnouncement(valid)))).toEqual(valid);
  });

  it.each([
    ['empty bytes', new Uint8Array()],
    ['binary garbage', Uint8Array.from([0xff, 0xfe, 0x00, 0x81, 0x7b])],
    ['truncated JSON', encodeAnnouncement(valid).subarray(0, 40)],
    ['plain text', bytes('hello')],
    ['JSON null', bytes('null')],
    ['a JSON array', json([valid])],
    ['a JSON string', json('announcement')],
    ['a JSON number', bytes('1')],
  ])('refuse %s', (_what, data) => {
    expect(parseAnnouncement(data)).toBeUndefined();
  });

  it.each([
    ['another format version', { ...valid, v: 2 }],
    ['no node', { v: 1, directory: valid.directory, cells: valid.cells }],
    ['an empty node', { ...valid, node: '' }],
    ['a node id longer than 128', { ...valid, node: 'x'.repeat(129) }],
    ['a directory that is not a list', { ...valid, directory: '10.0.0.7:7700' }],
    ['a directory address that is not a string', { ...valid, directory: [7700] }],
    ['a directory address longer than 300', { ...valid, directory: ['x'.repeat(301)] }],
    ['more than 32 directory addresses', { ...valid, directory: Array.from({ length: 33 }, (_, i) => `10.0.0.${i}:7700`) }],
    ['cells that are not a list', { ...valid, cells: { stock: '1.0.0' } }],
    ['a cell without fingerprint', { ...valid, cells: [{ name: 'stock', version: '1.0.0' }] }],
    ['a cell name longer than 63', { ...valid, cells: [{ name: 'x'.repeat(64), version: '1.0.0', fingerprint: 'f' }] }],
    ['more than 1000 cells', { ...valid, cells: Array.from({ length: 1001 }, (_, i) => ({ name: `c${i}`, version: '1.0.0', fingerprint: 'f' })) }],
  ])('refuse the wrong shape: %s', (_what, value) => {
    expect(parseAnnouncement(json(value))).toBeUndefined();
  });

  it('are refused unread above MAX_ANNOUNCEMENT_BYTES, even when the JSON inside is valid', () => {
    const text = JSON.stringify(valid);
    const atLimit = bytes(text + ' '.repeat(MAX_ANNOUNCEMENT_BYTES - text.length));
    expect(atLimit.byteLength).toBe(MAX_ANNOUNCEMENT_BYTES);
    expect(parseAnnouncement(atLimit)).toEqual(valid);
    const over = bytes(text + ' '.repeat(MAX_ANNOUNCEMENT_BYTES - text.length + 1));
    expect(parseAnnouncement(over)).toBeUndefined();
  });
});
