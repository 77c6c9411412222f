import type { Server } from 'node:net';
import { ActivationDoor, listeningSockets } from './activation-door.ts';
import type { ReplicaPorts } from './port-allocation.ts';

/** What socket activation needs of a cell's supervisor, by replica index. */
export interface ActivationHost {
  /** Starts the replica (with the listening sockets `take` hands its launch) and resolves once it is ready. */
  start(index: number): Promise<void>;
  /** Stops the replica: no connection came for its idle timeout. */
  stopIdle(index: number): void;
}

/**
 * The doors of a socket-activated process cell, one per replica: the replicas stay idle until a
 * connection comes to one of their ports; each start gets fresh listening sockets as LISTEN_FDS.
 */
export class SocketActivation {
  private readonly doors: ActivationDoor[];
  private readonly pending = new Map<number, { servers: Server[]; names: string[] }>();

  private constructor(doors: ActivationDoor[]) {
    this.doors = doors;
  }

  static async open(ports: readonly ReplicaPorts[], idleTimeoutMs: number | undefined, host: ActivationHost): Promise<SocketActivation> {
    const doors: ActivationDoor[] = [];
    const activation = new SocketActivation(doors);
    try {
      for (const [index, replicaPorts] of ports.entries()) {
        const start = async () => {
          const servers = await listeningSockets(replicaPorts.length);
          const inner = servers.map((s) => (s.address() as { port: number }).port);
          activation.pending.set(index, { servers, names: replicaPorts.map((p) => p.name) });
          await host.start(index);
          return inner;
        };
        doors.push(await ActivationDoor.open({ replica: String(index), ports: replicaPorts, idleTimeoutMs, start, stopIdle: () => host.stopIdle(index) }));
      }
    } catch (err) {
      await activation.close();
      throw err;
    }
    return activation;
  }

  /** The listening sockets replica `index` starts with (once). */
  take(index: number): { servers: Server[]; names: string[] } | undefined {
    const listen = this.pending.get(index);
    this.pending.delete(index);
    return listen;
  }

  /** Replica `index` ended: its next connection starts it again. */
  processGone(index: number): void {
    this.doors[index]?.processGone();
  }

  async close(): Promise<void> {
    await Promise.all(this.doors.map((d) => d.close()));
    for (const { servers } of this.pending.values()) for (const s of servers) s.close();
    this.pending.clear();
  }
}
