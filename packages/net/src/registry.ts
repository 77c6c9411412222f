import type { Static } from 'typebox';
import type { ServedCell } from './node-contract.ts';

/** What is known about another node. */
export interface KnownNode {
  node: string;
  /** Its directory addresses, `host:port`. */
  directory: string[];
  cells: Array<Static<typeof ServedCell>>;
  /** How it was learned: gossip, node-info (after mDNS, DHT or bootstrap), static. */
  via: 'gossip' | 'node-info' | 'static';
  seenAt: number;
}

/** Other nodes and the cells they serve, as announcements and lookups reveal them. */
export class NodeRegistry {
  private readonly nodes = new Map<string, KnownNode>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  /** @param ttlMs how long an announcement counts; @param now epoch ms (injected for tests) */
  constructor(ttlMs: number, now: () => number = Date.now) {
    this.ttlMs = ttlMs;
    this.now = now;
  }

  learn(entry: KnownNode): void {
    this.nodes.set(entry.node, entry);
  }

  forget(node: string): void {
    this.nodes.delete(node);
  }

  /** Nodes that recently said they serve `name` (at `major`, when given). */
  serving(name: string, major: number | null): KnownNode[] {
    const now = this.now();
    return [...this.nodes.values()].filter(
      (n) => now - n.seenAt < this.ttlMs && n.cells.some((c) => c.name === name && (major === null || Number.parseInt(c.version, 10) === major)),
    );
  }

  all(): KnownNode[] {
    return [...this.nodes.values()];
  }
}
