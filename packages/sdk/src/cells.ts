import { CellError } from '@cell/protocol';
import { launchSettings } from './launch.ts';
import { nucleusAt } from './nucleus-client.ts';

/**
 * A cell managing its own sub-cells (the `cells/` of its directory, or its `[cells]`) through
 * its nucleus: `await cells.scale('worker', 10)`. Only a cell's parent may scale it, and the
 * tree's root `[resources]` bound the whole tree; a refusal is a declared error of the nucleus:
 * `NotYourCell`, `OverCapacity` (`details.resource`, `asked`, `allowed`), `NoSuchCell`, `ScaleFailed`.
 */
export const cells = {
  /** Runs `replicas` (1–1000) replicas of the sub-cell `name` from now on; resolves once the new ones are ready. */
  scale(name: string, replicas: number, options: { timeoutMs?: number } = {}): Promise<{ replicas: number; ready: number }> {
    const socket = launchSettings().nucleusSocket;
    if (!socket) {
      return Promise.reject(new CellError('CELL_E_INVALID_ARGUMENT', 'cells.scale: this process is not a cell its nucleus started (no CELL_NUCLEUS_SOCKET): only a cell of a running tree manages its sub-cells'));
    }
    return nucleusAt(socket).scale(name, replicas, options.timeoutMs ?? 60_000);
  },
};
