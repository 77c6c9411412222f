import { describe, expect, it } from 'vitest';
import { axonUrlProblem, bootstrapAddressProblem, isSameListenAddress, parseHostPort } from './addresses.ts';

const KEY = '12D3KooWEx896Z4xNYLj5c2qioybsonuRfQu8EDaib7A3hMDNqJX';

describe('parseHostPort', () => {
  it('reads IPv4, bracketed IPv6 and host names', () => {
    expect(parseHostPort('0.0.0.0:7700')).toEqual({ ok: true, value: { host: '0.0.0.0', port: 7700 } });
    expect(parseHostPort('[::1]:0')).toEqual({ ok: true, value: { host: '::1', port: 0 } });
    expect(parseHostPort('node-a.lan:65535')).toEqual({ ok: true, value: { host: 'node-a.lan', port: 65535 } });
  });

  it('refuses what is not one host and one port', () => {
    for (const bad of ['7700', ':7700', 'a:65536', '::1:7700', '[nope]:1', 'a b:1', 'a:1:2', 7700]) {
      expect(parseHostPort(bad).ok, String(bad)).toBe(false);
    }
  });
});

describe('isSameListenAddress', () => {
  const at = (host: string, port: number) => ({ host, port });
  it('is true for the same port on the same or a wildcard host, never for port 0', () => {
    expect(isSameListenAddress(at('10.0.0.1', 7700), at('10.0.0.1', 7700))).toBe(true);
    expect(isSameListenAddress(at('0.0.0.0', 7700), at('10.0.0.1', 7700))).toBe(true);
    expect(isSameListenAddress(at('10.0.0.1', 7700), at('10.0.0.2', 7700))).toBe(false);
    expect(isSameListenAddress(at('10.0.0.1', 7700), at('10.0.0.1', 7701))).toBe(false);
    expect(isSameListenAddress(at('0.0.0.0', 0), at('0.0.0.0', 0))).toBe(false);
  });
});

describe('axonUrlProblem', () => {
  it('accepts an address with or without a valid node key', () => {
    expect(axonUrlProblem('axon://10.0.0.7:7700')).toBeUndefined();
    expect(axonUrlProblem(`axon://${KEY}@10.0.0.7:7700`)).toBeUndefined();
    expect(axonUrlProblem('axon://[::1]:7700')).toBeUndefined();
  });

  it('refuses a missing port, a port out of range and a key that is not one', () => {
    expect(axonUrlProblem('axon://10.0.0.7')).toContain('expected a node address like "axon://10.0.0.7:7700"');
    expect(axonUrlProblem('axon://10.0.0.7:70000')).toBeDefined();
    expect(axonUrlProblem('axon://not-a-key@10.0.0.7:7700')).toContain('"not-a-key" is not a node key');
  });
});

describe('bootstrapAddressProblem', () => {
  it('accepts tcp addresses over ip4, ip6 and dns, and dnsaddr, each ending in an Ed25519 peer id', () => {
    for (const good of [
      `/ip4/10.0.0.7/tcp/7701/p2p/${KEY}`,
      `/ip6/::1/tcp/7701/p2p/${KEY}`,
      `/dns4/node-a.example.org/tcp/7701/p2p/${KEY}`,
      `/dnsaddr/bootstrap.example.org/p2p/${KEY}`,
      `/ip4/10.0.0.7/tcp/7701/ipfs/${KEY}`,
    ]) {
      expect(bootstrapAddressProblem(good), good).toBeUndefined();
    }
  });

  it('says what is wrong with garbage and near misses', () => {
    expect(bootstrapAddressProblem('hello')).toContain('"hello" is not a bootstrap address');
    expect(bootstrapAddressProblem('/udp/1/p2p/x')).toContain('must start with /ip4/');
    expect(bootstrapAddressProblem(`/ip4/10.0.0/tcp/1/p2p/${KEY}`)).toContain('"10.0.0" is not an IPv4 address');
    expect(bootstrapAddressProblem(`/ip4/10.0.0.7/tcp/0/p2p/${KEY}`)).toContain('/tcp/<port>');
    expect(bootstrapAddressProblem(`/ip4/10.0.0.7/udp/1/p2p/${KEY}`)).toContain('/tcp/<port>');
    expect(bootstrapAddressProblem('/ip4/10.0.0.7/tcp/7701')).toContain('must end with /p2p/<peer id>');
    expect(bootstrapAddressProblem(`/ip4/10.0.0.7/tcp/7701/p2p/${KEY}/x`)).toContain('must end with /p2p/<peer id>');
    expect(bootstrapAddressProblem('/ip4/10.0.0.7/tcp/7701/p2p/12D3KooW...')).toContain('is not a node key');
    expect(bootstrapAddressProblem(`/dns4/bad_host!/tcp/1/p2p/${KEY}`)).toContain('is not a host name');
  });
});
