import type { CellTree, RemoteDepSpec } from '@cell/config';
import type { Genome } from '@cell/contract';
import type { TreeStatus } from '@cell/host';
import type { Logger } from '@cell/sdk';
import type { LocalServedCell, TreeNetwork, TreeNetworkContext, TreeNetworkFactory } from '../network/tree-network.ts';
import { readGenomeFile } from '../ribosome/contract-genome.ts';
import type { CellSupervisor } from './cell-supervisor.ts';
import { filterTrusted, type TrustVerdict } from '../network/trust-filter.ts';
import { type DependencyTypes, generateRemoteTypes } from '../ribosome/dependency-types.ts';

/** How long a starting node waits for a remote dependency it has never locked to be found. */
const REMOTE_GENOME_WAIT_MS = 20_000;

type Refusal = NonNullable<TreeStatus['network']>['refused'][number];

/**
 * A tree's side of the network it joined: where its dependencies on other nodes are served —
 * by trusted nodes only — and which strangers offered to serve them.
 */
export class NetworkLink {
  readonly network: TreeNetwork;
  private readonly trustedKeys: readonly string[];
  private readonly log: Logger;
  private readonly refused = new Map<string, Refusal>();

  private constructor(network: TreeNetwork, trustedKeys: readonly string[], log: Logger) {
    this.network = network;
    this.trustedKeys = trustedKeys;
    this.log = log;
  }

  static async join(factory: TreeNetworkFactory, context: TreeNetworkContext, log: Logger): Promise<NetworkLink> {
    return new NetworkLink(await factory(context), context.config.trustedKeys, log);
  }

  /** Trusted candidates for a cell on other nodes; strangers are recorded (and logged once), never returned. */
  async resolve(name: string, major: number | null, via: string | null, trusted: readonly string[] | null): Promise<TrustVerdict> {
    const verdict = filterTrusted(await this.network.resolve(name, major, via), trusted, name);
    for (const r of verdict.refused) {
      const key = `${r.node}|${name}`;
      if (!this.refused.has(key)) this.log.warn({ peer: r.node, cell: name }, 'a node serves a dependency but is not trusted; never calling it');
      this.refused.set(key, { node: r.node, cell: name, reason: r.reason, at: Date.now() });
    }
    return verdict;
  }

  /** The genome of a dependency on another node, from a node trusted to serve it (never a stranger's). */
  async trustedGenome(dep: RemoteDepSpec): Promise<Genome | undefined> {
    const trusted = dep.axon ? null : [...dep.trust, ...this.trustedKeys];
    const { candidates } = await this.resolve(dep.name, dep.major ?? null, dep.axon ?? null, trusted);
    for (const c of candidates) {
      const genome = await this.network.genomeOf(c);
      if (genome) return genome;
    }
    return undefined;
  }

  /** Bindings for every dependency on another node: from its live genome, else from cell.lock. */
  bindRemoteDependencies(tree: CellTree): Promise<DependencyTypes[]> {
    return generateRemoteTypes(tree, async (dep, locked) => {
      // Without a lock there is nothing to build against: give discovery time to find the producer.
      const deadline = Date.now() + (locked ? 0 : REMOTE_GENOME_WAIT_MS);
      for (;;) {
        const genome = await this.trustedGenome(dep);
        if (genome || Date.now() >= deadline) return genome;
        await new Promise((r) => setTimeout(r, 500));
      }
    });
  }

  /** What `cell status` shows of the network, strangers included. */
  status(): NonNullable<TreeStatus['network']> {
    return { ...this.network.status(), refused: [...this.refused.values()] };
  }
}

/** What this node serves other nodes: cells with ready replicas listening on an axon, by their recorded genome. */
export function servedCellsOf(supervisors: Iterable<CellSupervisor>): LocalServedCell[] {
  const out: LocalServedCell[] = [];
  for (const sup of supervisors) {
    const ports = sup.servedPorts();
    const genome = ports.length > 0 ? readGenomeFile(sup.node.dir) : undefined;
    if (genome) out.push({ name: genome.name, version: genome.version, fingerprint: genome.fingerprint, ports });
  }
  return out;
}
