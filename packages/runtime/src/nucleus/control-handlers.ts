import { type Static } from 'typebox';
import { nucleusContract, type ReplicaSpan, type TreeStatus, type RemoteCandidate } from '@cell/host';
import { type Handlers, type Logger, type Membrane, serve } from '@cell/sdk';
import type { CellTree } from '@cell/config';
import type { CellSupervisor } from './cell-supervisor.ts';
import { judgeScale, notParent } from './scale-policy.ts';
import { spansOfTree } from './replica-reports.ts';

/** What the control socket asks of its nucleus. */
export interface ControlledTree {
  readonly tree: CellTree;
  find(cell: string): CellSupervisor | undefined;
  allSupervisors(): CellSupervisor[];
  /** The spans other nodes keep of one trace (its whole id). */
  remoteSpans(trace: string): Promise<ReplicaSpan[]>;
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
    spans: ({ trace, limit }) => spansOfTree(tree, trace, limit ?? 1000),
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
    scale: async ({ cell, replicas }, ctx) => {
      const sup = tree.find(cell);
      if (!sup) throw ctx.fail('NoSuchCell', { cell });
      const refusal = judgeScale(tree.tree, sup.node, replicas, ctx.caller.cell, (n) => tree.find(n.name)?.status(null).replicasWanted ?? n.replicas);
      if (refusal?.error === 'NotYourCell') throw ctx.fail('NotYourCell', refusal.details, `${cell} is not a sub-cell of ${refusal.details.caller ?? 'an anonymous caller'}: only its parent (${refusal.details.parent ?? 'none'}) scales it`);
      if (refusal?.error === 'OverCapacity') {
        const { resource, asked, allowed } = refusal.details;
        throw ctx.fail('OverCapacity', refusal.details, `${replicas} replicas of ${cell} take the tree to ${asked} ${resource === 'memory' ? 'bytes of memory' : 'cores'}, above the root's [resources] ${resource} max of ${allowed}`);
      }
      try {
        await sup.scale(replicas);
      } catch (err) {
        throw ctx.fail('ScaleFailed', { reason: (err as Error).message }, (err as Error).message);
      }
      const status = sup.status(null);
      return { replicas: status.replicasWanted, ready: status.replicas.filter((r) => r.state === 'ready').length };
    },
    stopCell: async ({ cell }, ctx) => {
      const sup = tree.find(cell);
      if (!sup) throw ctx.fail('NoSuchCell', { cell });
      const refusal = notParent(tree.tree, sup.node, ctx.caller.cell);
      if (refusal) throw ctx.fail('NotYourCell', refusal.details, `${cell} is not a sub-cell of ${refusal.details.caller ?? 'an anonymous caller'}: only its parent (${refusal.details.parent ?? 'none'}) stops it`);
      await sup.stop();
      return {};
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
