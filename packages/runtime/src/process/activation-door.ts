import { connect, createServer, type Server, type Socket } from 'node:net';
import { LOCAL_HOST, type ReplicaPorts } from './port-allocation.ts';

/** What a door needs of the replica behind it. */
export interface DoorOptions {
  replica: string;
  /** The replica's ports: the door listens on each. */
  ports: ReplicaPorts;
  /** Stop the process after this long without a connection; undefined: never. */
  idleTimeoutMs: number | undefined;
  /** Starts the process and resolves the ports it serves on (one per door port, in order) once it is ready. */
  start(): Promise<number[]>;
  /** Stops the process: it has had no connection for `idleTimeoutMs`. */
  stopIdle(): void;
}

/** Listening sockets on free local ports, for a process to take over as LISTEN_FDS (fd 3 onwards). */
export async function listeningSockets(count: number): Promise<Server[]> {
  return Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<Server>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: 0, host: LOCAL_HOST, exclusive: true }, () => resolve(server));
      });
    }),
  );
}

/** The file descriptor of a listening socket (to hand to a child process). */
export function descriptorOf(server: Server): number {
  const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('a listening socket without a file descriptor');
  return fd;
}

/**
 * Socket activation for a process cell (`[life_cycle] activation = "socket"`): the nucleus
 * listens on the replica's ports and starts the process on the first connection — the process
 * gets listening sockets of its own as LISTEN_FDS, and the door carries each connection to
 * them — then stops it after `idle_timeout` without a connection. Connections that arrive while
 * it starts wait; none is refused, whether the process runs, starts or stopped a moment ago.
 */
export class ActivationDoor {
  private readonly options: DoorOptions;
  private readonly servers: Server[];
  private backend: Promise<number[]> | undefined;
  private readonly open = new Set<Socket>();
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(options: DoorOptions, servers: Server[]) {
    this.options = options;
    this.servers = servers;
    servers.forEach((s, i) => s.on('connection', (socket) => this.admit(socket, i)));
  }

  /** Listens on every port of the replica. */
  static async open(options: DoorOptions): Promise<ActivationDoor> {
    const servers = await Promise.all(
      options.ports.map(
        (p) =>
          new Promise<Server>((resolve, reject) => {
            const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }); // a client's end reaches the process; its answer still comes back
            server.once('error', reject);
            server.listen({ port: p.port, host: LOCAL_HOST, exclusive: true }, () => resolve(server));
          }),
      ),
    );
    return new ActivationDoor(options, servers);
  }

  /** Connections carried to the process now. */
  get connections(): number {
    return this.open.size;
  }

  /** The process ended (idle, crashed or stopped): the next connection starts it again. */
  processGone(): void {
    this.backend = undefined;
    clearTimeout(this.idleTimer);
  }

  private admit(client: Socket, index: number): void {
    if (this.closed) return void client.destroy();
    clearTimeout(this.idleTimer);
    this.open.add(client);
    client.on('error', () => undefined);
    client.once('close', () => {
      this.open.delete(client);
      this.armIdle();
    });
    this.backend ??= this.options.start();
    const starting = this.backend;
    starting.then(
      (ports) => this.carry(client, ports[index]!),
      () => {
        if (this.backend === starting) this.backend = undefined; // a later connection tries again
        client.destroy();
      },
    );
  }

  private carry(client: Socket, port: number): void {
    if (client.destroyed) return;
    const upstream = connect({ port, host: LOCAL_HOST, allowHalfOpen: true });
    upstream.on('error', () => client.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    upstream.pipe(client);
    client.pipe(upstream);
    client.resume();
  }

  private armIdle(): void {
    const { idleTimeoutMs } = this.options;
    if (idleTimeoutMs === undefined || this.open.size > 0 || this.backend === undefined || this.closed) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.open.size > 0 || this.backend === undefined) return;
      this.backend = undefined;
      this.options.stopIdle();
    }, idleTimeoutMs);
  }

  /** Stops listening and drops the connections it carries (the tree is stopping). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    for (const s of this.open) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
  }
}
