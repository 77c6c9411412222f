import { isAbsolute, resolve } from 'node:path';
import { CellError } from '@cell/protocol';
import type { Genome } from '@cell/contract';
import { type DependencyRef, readNucleusPointer, replicaSocketPaths } from '@cell/host';
import { type Endpoint, keyFromPeerId } from '@cell/wire';
import { launchSettings } from './launch.ts';
import { nucleusAt } from './nucleus-client.ts';
import type { ConnectOptions } from './options.ts';
import type { PoolTargets } from './pool-factory.ts';

/**
 * Finds a local cell by dependency name (from the launch environment's `CELL_DEPS`) or by
 * directory. `name` is the cell name to expect when a directory is given.
 */
function resolveCell(target: string, name: string | undefined): DependencyRef & { viaDeps: boolean } {
  const deps = launchSettings().deps;
  const dep = deps[target];
  if (dep) return { ...dep, viaDeps: true };
  if (target.includes('/') || target.startsWith('.') || isAbsolute(target)) {
    if (!name) throw new CellError('CELL_E_INVALID_ARGUMENT', `connect() to the cell in ${target} needs its name (the \`name\` option, or a contract)`);
    return { name, dir: resolve(target), viaDeps: false };
  }
  throw new CellError('CELL_E_INVALID_ARGUMENT', `no dependency named "${target}" (known: ${Object.keys(deps).join(', ') || 'none'}); pass a cell directory instead`, {
    details: { target },
  });
}

/** Where a dependency found by name on the network may be served, asked of our nucleus. */
function remoteCandidates(cell: DependencyRef, major: number | undefined): (() => Promise<Endpoint[]>) | undefined {
  const { nucleusSocket, network } = launchSettings();
  if (!nucleusSocket || !network) return undefined;
  // Found by name: only the nodes the dependency trusts. At a static address: the node found there.
  const trusted = cell.axon ? null : (cell.trust ?? []);
  return async () => {
    const candidates = await nucleusAt(nucleusSocket).resolve(cell.name, major ?? null, cell.axon ?? null, trusted);
    return candidates
      .filter((c) => trusted === null || trusted.includes(c.node)) // the nucleus filters too; a call never goes to a stranger
      .map((c) => ({ kind: 'axon' as const, host: c.host, port: c.port, key: keyFromPeerId(c.node), node: c.node }));
  };
}

/**
 * Starts a cell that is not running — always through the nucleus that supervises it (ours, for a
 * dependency of our tree; else the one its directory points to): a cell never spawns another
 * outside supervision.
 */
function starter(cell: { name: string; dir: string }, ownTree: boolean): (timeoutMs: number) => Promise<void> {
  return async (timeoutMs) => {
    const socket = (ownTree ? launchSettings().nucleusSocket : undefined) ?? readNucleusPointer(cell.dir)?.socket;
    if (!socket) {
      throw new CellError('CELL_E_UNAVAILABLE', `cell ${cell.name} is not running and no nucleus supervises it; start its tree (cell mitosis) first`, {
        details: { cell: cell.name, dir: cell.dir },
      });
    }
    await nucleusAt(socket).start(cell.dir, cell.name, timeoutMs);
  };
}

/** What a synapse with these options talks to: one socket, one axon, or a cell's replicas and remote candidates. */
export function locate(options: ConnectOptions, local: Genome | undefined): PoolTargets & { dependency: string | undefined } {
  if (options.axon !== undefined) {
    const { host, port, key } = options.axon;
    const only: Endpoint[] = [{ kind: 'axon', host, port, key: key ? keyFromPeerId(key) : undefined, node: key }];
    return { endpoints: () => only, discovers: false, describe: `axon ${host}:${port}`, dependency: undefined };
  }
  if (options.socketPath !== undefined) {
    const only: Endpoint[] = [{ kind: 'unix', path: options.socketPath }];
    return { endpoints: () => only, discovers: false, describe: `socket ${options.socketPath}`, dependency: undefined };
  }
  const target = options.cell ?? local?.name;
  if (!target) throw new CellError('CELL_E_INVALID_ARGUMENT', 'connect() needs socketPath, axon or cell');
  const cell = resolveCell(target, local?.name ?? options.name);
  const major = local ? Number.parseInt(local.version, 10) : undefined;
  const dir = cell.dir;
  return {
    endpoints: dir ? () => replicaSocketPaths({ name: cell.name, dir }, major).map((path) => ({ kind: 'unix' as const, path })) : () => [],
    remoteEndpoints: remoteCandidates(cell, major),
    discovers: true,
    startCell: dir && options.startOnDemand !== false ? starter({ name: cell.name, dir }, cell.viaDeps) : undefined,
    describe: `cell ${cell.name}${dir ? ` (${dir})` : ''}`,
    dependency: cell.viaDeps ? target : undefined,
  };
}
