import type { Logger } from './logger.ts';
import { dependencyStats } from './synapse.ts';
import type { CandidateStats } from './synapse-pool.ts';

/** What the process integration needs from a membrane. */
export interface ManagedMembrane {
  readonly connections: number;
  readonly inFlight: number;
  readonly lastActivityAt: number;
  readonly axonPort: number | undefined;
  stop(options?: { graceMs?: number }): Promise<void>;
}

/** Messages between the nucleus and a cell process over the IPC channel. */
export type NucleusMessage = { type: 'cell:drain'; graceMs?: number } | { type: 'cell:stats' };
export type CellMessage =
  | { type: 'cell:apoptosis'; idleMs: number }
  | { type: 'cell:axon'; port: number }
  | {
      type: 'cell:stats';
      connections: number;
      inFlight: number;
      lastActivityAt: number;
      /** Per dependency, the racer's view of each candidate. */
      deps: Record<string, CandidateStats[]>;
    };

let attached = false;

function envMs(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Makes this process a well-behaved cell when the runtime started it (`CELL_NAME` set):
 * SIGTERM/SIGINT or a drain message stop the membrane gracefully and exit; with
 * `CELL_IDLE_TIMEOUT_MS`, the cell exits on its own after that long without connections or calls
 * (apoptosis); losing the nucleus (IPC disconnect) exits at once, so no cell outlives its tree.
 */
export function attachCellProcess(membrane: ManagedMembrane, log: Logger): void {
  if (attached || !process.env['CELL_NAME']) return;
  attached = true;
  const graceMs = envMs('CELL_GRACE_MS') ?? 5000;
  let exiting = false;
  const exit = (reason: string, drainMs: number) => {
    if (exiting) return;
    exiting = true;
    log.info({ component: 'sdk.process', reason }, 'cell stopping');
    void membrane.stop({ graceMs: drainMs }).finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => exit('SIGTERM', graceMs));
  process.on('SIGINT', () => exit('SIGINT', graceMs));
  process.on('disconnect', () => exit('nucleus gone', 0));
  process.on('message', (m: NucleusMessage) => {
    if (m?.type === 'cell:drain') exit('drain', m.graceMs ?? graceMs);
    else if (m?.type === 'cell:stats') {
      process.send?.({
        type: 'cell:stats',
        connections: membrane.connections,
        inFlight: membrane.inFlight,
        lastActivityAt: membrane.lastActivityAt,
        deps: dependencyStats(),
      } satisfies CellMessage);
    }
  });
  if (membrane.axonPort !== undefined) process.send?.({ type: 'cell:axon', port: membrane.axonPort } satisfies CellMessage);
  const idleMs = envMs('CELL_IDLE_TIMEOUT_MS');
  if (idleMs !== undefined) {
    const timer = setInterval(
      () => {
        if (membrane.connections > 0 || membrane.inFlight > 0 || Date.now() - membrane.lastActivityAt < idleMs) return;
        clearInterval(timer);
        process.send?.({ type: 'cell:apoptosis', idleMs } satisfies CellMessage);
        exit('idle', 0);
      },
      Math.max(10, Math.min(1000, idleMs / 4)),
    );
    timer.unref();
  }
}
