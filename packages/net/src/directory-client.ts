import type { Static } from 'typebox';
import type { RemoteCandidate, ReplicaSpan } from '@cell/host';
import { connect, type Logger, type Synapse } from '@cell/sdk';
import type { AxonCredentials } from '@cell/wire';
import { splitHostPort } from './addresses.ts';
import { nodeContract, nodeSpansContract } from './node-contract.ts';

/** How long one question to another node's directory may take. */
export const LOOKUP_TIMEOUT_MS = 3000;

/**
 * Asks other nodes' directories where they serve a cell, over axons pinned to each node's key.
 * Keeps one synapse per directory address; drops it when the directory stops answering.
 */
export class DirectoryClient {
  private readonly directories = new Map<string, Synapse<typeof nodeContract>>();
  private readonly traceAskers = new Map<string, Synapse<typeof nodeSpansContract>>();
  private readonly credentials: AxonCredentials;
  private readonly log: Logger;

  constructor(credentials: AxonCredentials, log: Logger) {
    this.credentials = credentials;
    this.log = log;
  }

  /** One synapse per contract and directory address, pinned to the node's key. */
  private synapseOf<C extends typeof nodeContract | typeof nodeSpansContract>(pool: Map<string, Synapse<C>>, contract: C, node: string | undefined, address: string): Synapse<C> {
    const id = `${node ?? '?'}@${address}`;
    let d = pool.get(id);
    if (!d) {
      const { host, port } = splitHostPort(address);
      d = connect(contract, { axon: { host, port, key: node }, credentials: this.credentials, timeoutMs: LOOKUP_TIMEOUT_MS, connectTimeoutMs: LOOKUP_TIMEOUT_MS });
      pool.set(id, d);
    }
    return d;
  }

  /** Asks a node's directory where it serves a cell; trusts only answers about the node itself. */
  ask(node: string | undefined, addresses: readonly string[], name: string, major: number | null): Promise<Array<Static<typeof RemoteCandidate>>> {
    return this.first(this.directories, nodeContract, node, addresses, [], async (directory) => {
      const remote = await directory.$connect();
      const r = await directory.resolve({ name, major });
      return r.candidates.filter((c) => c.node === remote.node);
    });
  }

  /** The spans a node's cells keep of one trace, each marked as recorded by that node; none when it does not answer (or, of an older release, has no such question). */
  spans(node: string, addresses: readonly string[], trace: string): Promise<ReplicaSpan[]> {
    return this.first(this.traceAskers, nodeSpansContract, node, addresses, [], async (asker) => (await asker.spans({ trace })).spans.map((s) => ({ ...s, recordedBy: node })));
  }

  /** The answer of the first of a node's directory addresses that gives one; `none` when none does. */
  private async first<C extends typeof nodeContract | typeof nodeSpansContract, T>(pool: Map<string, Synapse<C>>, contract: C, node: string | undefined, addresses: readonly string[], none: T, ask: (directory: Synapse<C>) => Promise<T>): Promise<T> {
    for (const address of addresses) {
      const directory = this.synapseOf(pool, contract, node, address);
      try {
        return await ask(directory);
      } catch (err) {
        this.log.debug({ err, peer: node, address }, 'directory did not answer');
        await directory.$close();
        pool.delete(`${node ?? '?'}@${address}`);
      }
    }
    return none;
  }

  async close(): Promise<void> {
    await Promise.all([...this.directories.values(), ...this.traceAskers.values()].map((d) => d.$close()));
    this.directories.clear();
    this.traceAskers.clear();
  }
}
