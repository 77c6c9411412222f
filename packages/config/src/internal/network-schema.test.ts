import { describe, expect, it } from 'vitest';
import { validateToml } from '../test-fixtures/temp-files.ts';

const KEY = '12D3KooWEx896Z4xNYLj5c2qioybsonuRfQu8EDaib7A3hMDNqJX';
const CELL = '[cell]\nname = "a"\nversion = "1.0.0"\n';
const network = (toml: string) => validateToml(`${CELL}[network]\n${toml}`).config?.network;
const problemsOf = (toml: string) => Object.fromEntries(validateToml(`${CELL}[network]\n${toml}`).problems.map((p) => [p.key, p.message]));

describe('[network]', () => {
  it('is absent unless the table is there; an empty table takes every default', () => {
    expect(validateToml(CELL).config?.network).toBeUndefined();
    expect(network('')).toEqual({
      listen: { host: '0.0.0.0', port: 7700 },
      p2p: { host: '0.0.0.0', port: 7701 },
      bootstrap: [],
      discovery: ['mdns', 'gossip', 'dht'],
      allowedKeys: [],
      trustedKeys: [],
      announceEveryMs: 10_000,
    });
  });

  it('reads every key', () => {
    expect(
      network(`listen = "10.0.0.7:7800"\np2p = "10.0.0.7:9000"\nbootstrap = ["/ip4/10.0.0.8/tcp/7701/p2p/${KEY}"]\ndiscovery = ["dht"]\nallowed_keys = ["${KEY}"]\nannounce_every = "2s"\n`),
    ).toEqual({
      listen: { host: '10.0.0.7', port: 7800 },
      p2p: { host: '10.0.0.7', port: 9000 },
      bootstrap: [`/ip4/10.0.0.8/tcp/7701/p2p/${KEY}`],
      discovery: ['dht'],
      allowedKeys: [KEY],
      trustedKeys: [],
      announceEveryMs: 2000,
    });
    expect(network('listen = "127.0.0.1:0"')?.p2p).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it('refuses a p2p address that takes the listen port', () => {
    expect(problemsOf('listen = "0.0.0.0:7700"\np2p = "0.0.0.0:7700"\n')['network.p2p']).toBe(
      '"0.0.0.0:7700" takes the same port as listen ("0.0.0.0:7700"); the directory and the control plane need a port each',
    );
    expect(problemsOf('listen = "0.0.0.0:7700"\np2p = "10.0.0.7:7700"\n')).toHaveProperty(['network.p2p']);
    expect(network('listen = "10.0.0.7:7700"\np2p = "10.0.0.8:7700"\n')?.p2p.port).toBe(7700);
  });

  it('needs an IPv4 host and a free port above listen for the control plane', () => {
    expect(problemsOf('p2p = "[::]:7701"')['network.p2p']).toContain('must be an IPv4 address');
    expect(problemsOf('listen = "localhost:7700"')['network.listen']).toContain('set p2p');
    expect(problemsOf('listen = "0.0.0.0:65535"')['network.listen']).toContain('no port above 65535');
    expect(network('listen = "[::]:7700"\np2p = "0.0.0.0:7701"\n')?.listen).toEqual({ host: '::', port: 7700 });
  });

  it('refuses bootstrap addresses, discovery names, keys and announce periods that cannot work', () => {
    expect(problemsOf('bootstrap = ["hello"]\ndiscovery = ["mdns", "smoke"]\nallowed_keys = ["x"]\nannounce_every = "10ms"\nlisten = "7700"\n')).toEqual({
      'network.bootstrap[0]': '"hello" is not a bootstrap address; expected a libp2p multiaddr like "/ip4/203.0.113.7/tcp/7701/p2p/12D3KooW..."',
      'network.discovery[1]': 'unknown discovery "smoke"; expected mdns, gossip, dht',
      'network.allowed_keys[0]': expect.stringContaining('"x" is not a node key'),
      'network.announce_every': 'must be at least 100ms; got "10ms"',
      'network.listen': 'expected "host:port" (e.g. "0.0.0.0:7700", "[::1]:7700"; port 0 to 65535), got "7700"',
    });
  });

  it('takes the node keys trusted to serve what this node finds by name, and only node keys', () => {
    expect(network(`trusted_keys = ["${KEY}"]\n`)?.trustedKeys).toEqual([KEY]);
    expect(Object.keys(problemsOf('trusted_keys = ["*"]\n'))).toEqual(['network.trusted_keys[0]']);
  });
});
