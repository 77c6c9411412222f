import { CellError } from '@cell/protocol';
import { launchSettings } from './launch.ts';
import { nucleusAt, type NucleusClient } from './nucleus-client.ts';

/**
 * A cell managing its own sub-cells (the `cells/` of its directory, or its `[cells]`) through
 * its nucleus: `await cells.scale('worker', 10)`, `cells.stop('worker')`, `cells.start('worker')`.
 * Only a cell's parent may scale or stop it, and the
 * tree's root `[resources]` bound the whole tree; a refusal is a declared error of the nucleus:
 * `NotYourCell`, `OverCapacity` (`details.resource`, `asked`, `allowed`), `NoSuchCell`, `ScaleFailed`.
 */
export const cells = {
  /** Runs `replicas` (1–1000) replicas of the sub-cell `name` from now on; resolves once the new ones are ready. */
  scale(name: string, replicas: number, options: { timeoutMs?: number } = {}): Promise<{ replicas: number; ready: number }> {
    return ownNucleus('cells.scale').then((n) => n.scale(name, replicas, options.timeoutMs ?? 60_000));
  },
  /** Starts the sub-cell `name` (stopped, idle, or failed past its cool-down); resolves once it is ready. */
  start(name: string, options: { timeoutMs?: number } = {}): Promise<{ ready: number }> {
    return ownNucleus('cells.start').then((n) => n.startCell(name, options.timeoutMs ?? 60_000));
  },
  /** Stops the sub-cell `name`: its replicas drain; `cells.start` (or a call to it) starts it again. */
  stop(name: string, options: { timeoutMs?: number } = {}): Promise<void> {
    return ownNucleus('cells.stop').then((n) => n.stopCell(name, options.timeoutMs ?? 60_000));
  },
};

/** The nucleus that started this process. */
function ownNucleus(what: string): Promise<NucleusClient> {
  const socket = launchSettings().nucleusSocket;
  if (!socket) return Promise.reject(new CellError('CELL_E_INVALID_ARGUMENT', `${what}: this process is not a cell its nucleus started (no CELL_NUCLEUS_SOCKET): only a cell of a running tree manages its sub-cells`));
  return Promise.resolve(nucleusAt(socket));
}
