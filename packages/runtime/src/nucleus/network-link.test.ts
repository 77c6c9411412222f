import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { NetworkConfig } from '@cell/config';
import type { Genome } from '@cell/contract';
import type { TreeNetwork } from '../network/tree-network.ts';
import { NetworkLink } from './network-link.ts';

const candidate = (node: string) => ({ node, host: '10.0.0.1', port: 7000, version: '1.0.0', fingerprint: 'sha256:x' });

function fakeNetwork(found: ReturnType<typeof candidate>[]) {
  const asked: string[] = [];
  const network: TreeNetwork = {
    identityFile: '/x/identity.json',
    resolve: async () => found,
    genomeOf: async (c) => (asked.push(c.node), { genome: 1, name: 'stock', version: '1.0.0', fingerprint: `sha256:${c.node}`, methods: {}, events: {} } as Genome),
    announceSoon: () => undefined,
    status: () => ({ node: 'me', directory: [], p2p: [], peers: 0, known: [] }),
    stop: async () => undefined,
  };
  return { network, asked };
}

function logger() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ base: null }, new Writable({ write: (chunk, _e, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()) }));
  return { log, lines };
}

const config = { trustedKeys: ['A'] } as unknown as NetworkConfig;

describe('NetworkLink', () => {
  it('returns trusted candidates only, and records (and logs once) each stranger for cell status', async () => {
    const { network } = fakeNetwork([candidate('A'), candidate('C')]);
    const { log, lines } = logger();
    const link = await NetworkLink.join(async () => network, { config, root: '/t', log, localCells: () => [] }, log);
    for (let i = 0; i < 3; i++) expect((await link.resolve('stock', 1, null, ['A'])).candidates.map((c) => c.node)).toEqual(['A']);
    expect(link.status().refused).toEqual([expect.objectContaining({ node: 'C', cell: 'stock' })]);
    expect(lines.filter((l) => l['peer'] === 'C')).toHaveLength(1);
  });

  it('fetches a dependency’s genome from a trusted node only (its own trust, or the node-wide list)', async () => {
    const { network, asked } = fakeNetwork([candidate('C'), candidate('B'), candidate('A')]);
    const { log } = logger();
    const link = await NetworkLink.join(async () => network, { config, root: '/t', log, localCells: () => [] }, log);
    const genome = await link.trustedGenome({ name: 'stock', axon: undefined, major: 1, trust: ['B'] });
    expect(genome?.fingerprint).toBe('sha256:B');
    expect(asked).toEqual(['B']);
    expect(await link.trustedGenome({ name: 'stock', axon: undefined, major: 1, trust: [] })).toMatchObject({ fingerprint: 'sha256:A' });
  });
});
