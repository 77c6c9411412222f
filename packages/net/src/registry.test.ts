import { describe, expect, it } from 'vitest';
import { type KnownNode, NodeRegistry } from './registry.ts';

const TTL_MS = 30_000;

function node(id: string, cells: Array<[string, string]>, seenAt: number, via: KnownNode['via'] = 'gossip'): KnownNode {
  return { node: id, directory: [`10.0.0.${id.length}:7700`], cells: cells.map(([name, version]) => ({ name, version, fingerprint: `fp-${name}-${version}` })), via, seenAt };
}

/** A registry whose clock the test moves. */
function registryAt(start: number): { registry: NodeRegistry; clock: { now: number } } {
  const clock = { now: start };
  return { registry: new NodeRegistry(TTL_MS, () => clock.now), clock };
}

const ids = (nodes: KnownNode[]) => nodes.map((n) => n.node).sort();

describe('NodeRegistry', () => {
  it('finds the nodes serving a cell by name', () => {
    const { registry } = registryAt(1000);
    registry.learn(node('a', [['stock', '1.0.0'], ['mailer', '2.1.0']], 1000));
    registry.learn(node('b', [['stock', '1.4.2']], 1000));
    registry.learn(node('c', [['mailer', '1.0.0']], 1000));
    expect(ids(registry.serving('stock', null))).toEqual(['a', 'b']);
    expect(ids(registry.serving('mailer', null))).toEqual(['a', 'c']);
    expect(registry.serving('nothing', null)).toEqual([]);
  });

  it('filters by major version when one is asked for', () => {
    const { registry } = registryAt(1000);
    registry.learn(node('a', [['stock', '1.0.0']], 1000));
    registry.learn(node('b', [['stock', '2.3.0']], 1000));
    registry.learn(node('c', [['stock', '10.0.0']], 1000));
    expect(ids(registry.serving('stock', 1))).toEqual(['a']);
    expect(ids(registry.serving('stock', 2))).toEqual(['b']);
    expect(ids(registry.serving('stock', 10))).toEqual(['c']);
    expect(registry.serving('stock', 3)).toEqual([]);
    expect(ids(registry.serving('stock', null))).toEqual(['a', 'b', 'c']);
  });

  it('forgets what a node said once its announcement is older than the ttl', () => {
    const { registry, clock } = registryAt(100_000);
    registry.learn(node('a', [['stock', '1.0.0']], 100_000));
    clock.now = 100_000 + TTL_MS - 1;
    expect(ids(registry.serving('stock', 1))).toEqual(['a']);
    clock.now = 100_000 + TTL_MS;
    expect(registry.serving('stock', 1)).toEqual([]);
  });

  it('keeps a node alive while it keeps announcing, and uses only its latest announcement', () => {
    const { registry, clock } = registryAt(0);
    registry.learn(node('a', [['stock', '1.0.0']], 0));
    clock.now = TTL_MS - 10;
    registry.learn(node('a', [['stock', '2.0.0']], clock.now));
    clock.now = TTL_MS + 10;
    expect(registry.serving('stock', 1)).toEqual([]);
    expect(registry.serving('stock', 2)).toEqual([expect.objectContaining({ node: 'a', seenAt: TTL_MS - 10 })]);
    expect(registry.all()).toHaveLength(1);
  });

  it('forgets a node on request', () => {
    const { registry } = registryAt(0);
    registry.learn(node('a', [['stock', '1.0.0']], 0, 'static'));
    registry.learn(node('b', [['stock', '1.0.0']], 0, 'node-info'));
    registry.forget('a');
    expect(ids(registry.serving('stock', null))).toEqual(['b']);
    expect(registry.all().map((n) => [n.node, n.via])).toEqual([['b', 'node-info']]);
  });

  it('reads the real clock by default', () => {
    const registry = new NodeRegistry(TTL_MS);
    registry.learn(node('fresh', [['stock', '1.0.0']], Date.now()));
    registry.learn(node('stale', [['stock', '1.0.0']], Date.now() - TTL_MS - 60_000));
    expect(ids(registry.serving('stock', 1))).toEqual(['fresh']);
  });
});
