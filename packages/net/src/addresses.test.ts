import type { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ownAddresses, parseAxonUrl, splitHostPort, unmapIpv4 } from './addresses.ts';

type Interfaces = ReturnType<typeof networkInterfaces>;

const iface = (address: string, family: 'IPv4' | 'IPv6', internal: boolean) =>
  ({ address, family, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null }) as NonNullable<Interfaces[string]>[number];

const machine: Interfaces = {
  lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
  eth0: [iface('10.0.0.7', 'IPv4', false), iface('fe80::1', 'IPv6', false)],
  wlan0: [iface('192.168.1.20', 'IPv4', false)],
  down: undefined,
};

describe('ownAddresses', () => {
  it('is the host itself when the node listens on one address', () => {
    expect(ownAddresses('127.0.0.1', machine)).toEqual(['127.0.0.1']);
    expect(ownAddresses('10.0.0.7', machine)).toEqual(['10.0.0.7']);
  });

  it('is every external IPv4 address when the node listens on all of them', () => {
    expect(ownAddresses('0.0.0.0', machine)).toEqual(['10.0.0.7', '192.168.1.20']);
    expect(ownAddresses('::', machine)).toEqual(['10.0.0.7', '192.168.1.20']);
  });

  it('falls back to loopback on a machine with no external IPv4 interface', () => {
    expect(ownAddresses('0.0.0.0', { lo: machine['lo'] })).toEqual(['127.0.0.1']);
    expect(ownAddresses('0.0.0.0', {})).toEqual(['127.0.0.1']);
  });

  it('reads the real interfaces by default', () => {
    const found = ownAddresses('0.0.0.0');
    expect(found.length).toBeGreaterThan(0);
    for (const a of found) expect(a).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });
});

describe('splitHostPort', () => {
  it.each([
    ['127.0.0.1:7700', { host: '127.0.0.1', port: 7700 }],
    ['node.example:0', { host: 'node.example', port: 0 }],
    ['[::1]:7700', { host: '::1', port: 7700 }],
    ['[fe80::1:2]:80', { host: 'fe80::1:2', port: 80 }],
  ])('%s', (addr, expected) => {
    expect(splitHostPort(addr)).toEqual(expected);
  });
});

describe('parseAxonUrl', () => {
  const key = '12D3KooWHFrmLWTTDD4NodngtRMEVYgxrsDMp4F9iSwYntZ9WjHa';

  it('reads host and port, with no pinned node', () => {
    expect(parseAxonUrl('axon://10.0.0.7:7700')).toEqual({ node: undefined, host: '10.0.0.7', port: 7700 });
  });

  it('reads the pinned node key before @', () => {
    expect(parseAxonUrl(`axon://${key}@10.0.0.7:7700`)).toEqual({ node: key, host: '10.0.0.7', port: 7700 });
  });

  it('reads a bracketed IPv6 host', () => {
    expect(parseAxonUrl(`axon://${key}@[::1]:7700`)).toEqual({ node: key, host: '::1', port: 7700 });
  });

  it.each(['http://10.0.0.7:7700', 'axon://10.0.0.7', 'axon://10.0.0.7:port', 'axon://:7700', '10.0.0.7:7700', ''])('refuses %j with CELL_E_INVALID_ARGUMENT', (url) => {
    expect(() => parseAxonUrl(url)).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
  });
});

describe('unmapIpv4', () => {
  it('strips the IPv4-mapped prefix of a dual-stack socket and leaves other addresses alone', () => {
    expect(unmapIpv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(unmapIpv4('10.0.0.1')).toBe('10.0.0.1');
    expect(unmapIpv4('::1')).toBe('::1');
    expect(unmapIpv4('')).toBe('');
  });
});
