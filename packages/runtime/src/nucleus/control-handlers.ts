import { type Static } from 'typebox';
import { nucleusContract, type TreeStatus, type RemoteCandidate } from '@cell/host';
import { type Handlers, type Logger, type Membrane, serve } from '@cell/sdk';
import type { CellSupervisor } from './cell-supervisor.ts';

/** What the control socket asks of its nucleus. */
export interface ControlledTree {
  find(cell: string): CellSupervisor | undefined;
  fullStatus(): Promise<TreeStatus>;
  resolve(name: string, major: number | null, via: string | null, trusted: readonly string[] | null): Promise<{ candidates: Array<Static<typeof RemoteCandidate>>; refused: Array<{ node: string; reason: string }> }>;
  reload(sup: CellSupervisor, typecheck?: boolean): Promise<{ replaced: number; rebuilt: boolean; keptMajor: number | null }>;
  restart(sup: CellSupervisor): Promise<{ replaced: number }>;
  stop(): Promise<void>;
}

/** The nucleus contract's handlers: status, start, reload, restart, stop, resolve — each a thin call into the tree. */
export function controlHandlers(tree: ControlledTree): Handlers<typeof nucleusContract> {
  return {
    status: () => tree.fullStatus(),
    resolve: ({ name, major, via, trusted }) => tree.resolve(name, major, via, trusted),
    start: async ({ cell }, ctx) => {
      const sup = tree.find(cell);
      if (!sup) throw ctx.fail('NoSuchCell', { cell });
      try {
        await sup.ensureStarted();
      } catch (err) {
        throw ctx.fail('StartFailed', { reason: (err as Error).message }, (err as Error).message);
      }
      return { ready: sup.status(null).replicas.filter((r) => r.state === 'ready').length };
    },
    reload: async ({ cell, typecheck }, ctx) => {
      const sup = tree.find(cell);
      if (!sup) throw ctx.fail('NoSuchCell', { cell });
      try {
        return await tree.reload(sup, typecheck);
      } catch (err) {
        throw ctx.fail('ReloadFailed', { reason: (err as Error).message, code: (err as { code?: string }).code ?? null }, (err as Error).message);
      }
    },
    restart: async ({ cell }, ctx) => {
      const sup = tree.find(cell);
      if (!sup) throw ctx.fail('NoSuchCell', { cell });
      try {
        return await tree.restart(sup);
      } catch (err) {
        throw ctx.fail('RestartFailed', { reason: (err as Error).message, code: (err as { code?: string }).code ?? null }, (err as Error).message);
      }
    },
    stop: () => {
      setImmediate(() => void tree.stop());
      return {};
    },
  };
}

/** Serves the control socket of a tree. */
export function serveControl(tree: ControlledTree, socketPath: string, logger: Logger): Promise<Membrane<typeof nucleusContract>> {
  return serve(nucleusContract, controlHandlers(tree), { socketPath, logger });
}
