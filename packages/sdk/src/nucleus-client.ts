import { CellError, isCellError, toCellError } from '@cell/protocol';
import { nucleusGenome, type RemoteCandidate } from '@cell/host';
import type { Static } from 'typebox';
import type { SynapsePool } from '@cell/wire';
import { createPool } from './pool-factory.ts';

/** One client per nucleus socket, shared by every synapse of this process. */
const nuclei = new Map<string, NucleusClient>();

/** The client of the nucleus at `socketPath` (one per process). */
export function nucleusAt(socketPath: string): NucleusClient {
  let client = nuclei.get(socketPath);
  if (!client) nuclei.set(socketPath, (client = new NucleusClient(socketPath)));
  return client;
}

/**
 * What a cell process asks of a nucleus: start a cell it supervises, and where other nodes serve
 * a dependency. Typed by the nucleus contract; one connection, opened on first use.
 */
export class NucleusClient {
  private pool: SynapsePool | undefined;
  private readonly socketPath: string;

  constructor(socketPath: string) {
    this.socketPath = socketPath;
  }

  private connection(): SynapsePool {
    this.pool ??= createPool(
      { endpoints: () => [{ kind: 'unix', path: this.socketPath }], discovers: false, describe: `the nucleus at ${this.socketPath}` },
      { timeoutMs: 10_000 },
      nucleusGenome(), // its text, not the contract's schemas: no cell builds those
    );
    return this.pool;
  }

  /** Asks the nucleus to start the cell in `dir`; resolves once a replica is ready, within `timeoutMs`. */
  async start(dir: string, name: string, timeoutMs: number): Promise<void> {
    try {
      await this.connection().unary('start', { cell: dir }, { timeoutMs });
    } catch (err) {
      if (isCellError(err) && err.code === 'CELL_E_TIMEOUT') throw err;
      const message = toCellError(err).message;
      throw new CellError('CELL_E_UNAVAILABLE', `the nucleus could not start ${name}: ${message}`, { cause: err });
    }
  }

  /** Trusted candidates on other nodes for a cell (`trusted` null: whoever serves at `via`). */
  async resolve(name: string, major: number | null, via: string | null, trusted: readonly string[] | null): Promise<Array<Static<typeof RemoteCandidate>>> {
    const r = (await this.connection().unary('resolve', { name, major, via, trusted }, { timeoutMs: 10_000 })) as { candidates: Array<Static<typeof RemoteCandidate>> };
    return r.candidates;
  }

  /** Asks the nucleus to run `replicas` replicas of `cell` (a sub-cell of this one); resolves once they are ready. */
  scale(cell: string, replicas: number, timeoutMs: number): Promise<{ replicas: number; ready: number }> {
    return this.connection().unary('scale', { cell, replicas }, { timeoutMs }) as Promise<{ replicas: number; ready: number }>;
  }

  /** Asks the nucleus to stop `cell` (a sub-cell of this one); resolves once its replicas have drained. */
  async stopCell(cell: string, timeoutMs: number): Promise<void> {
    await this.connection().unary('stopCell', { cell }, { timeoutMs });
  }

  /** Asks the nucleus to start `cell` by name; resolves once it is ready. */
  async startCell(cell: string, timeoutMs: number): Promise<{ ready: number }> {
    return (await this.connection().unary('start', { cell }, { timeoutMs })) as { ready: number };
  }

  close(): Promise<void> {
    return this.pool?.close() ?? Promise.resolve();
  }
}
