import { connect as netConnect, type Socket } from 'node:net';
import { pipeline } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { CellError, encodeBody, encodeFrame, FrameKind } from '@cell/protocol';
import type { Logger } from '@cell/sdk';
import { type AxonCredentials, listenAxon, peerIdFromKey } from '@cell/wire';

/** Options of `startAxonRelay`. */
export interface AxonRelayOptions {
  /** Listen address, e.g. '127.0.0.1' or '0.0.0.0'. */
  host: string;
  /** 0: the OS picks (`relay.port` tells which). */
  port: number;
  /** The donor node's identity: callers pin this key. */
  credentials: AxonCredentials;
  /** Which caller keys may connect: 'any' (any key that proves itself in TLS) or raw 32-byte Ed25519 keys. */
  allowedKeys: 'any' | readonly Buffer[];
  /** The sandboxed cell's Unix socket (its public path; may be replaced by rename while running: connect per connection). */
  target: string;
  /** Most connections at once; more are refused with CELL_E_OVERLOADED. Default 1024. */
  maxConnections?: number | undefined;
  /** Default: silent. */
  log?: Logger | undefined;
}

/** A running relay. */
export interface AxonRelay {
  /** The TCP port callers reach it on. */
  readonly port: number;
  /** Open caller/cell pairs: one counts until both of its sockets have closed. */
  readonly connections: number;
  /** Stops listening and destroys every open pair; resolves once the server and every pair closed. */
  close(): Promise<void>;
}

const DEFAULT_MAX_CONNECTIONS = 1024;
/** Distinct refused keys remembered (to warn once each): forging keys is free, memory is not. */
const MAX_WARNED_KEYS = 1024;

interface Pair {
  destroy(): void;
  closed: Promise<void>;
}

/**
 * Terminates axons for a cell that has no network (one in a capsid, listening on a Unix socket
 * only): each TLS connection from an allowed node key is joined to a fresh connection to the
 * cell's socket. The wire protocol is the same on both transports, so bytes pass untouched; only
 * a refusal speaks it, as an ERROR frame the way a membrane refuses, so the caller learns why.
 * The cell sees every caller as local: the relay is where node keys are checked.
 */
export async function startAxonRelay(options: AxonRelayOptions): Promise<AxonRelay> {
  const log = options.log?.child({ component: 'net.axon-relay' });
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const allowed = options.allowedKeys === 'any' ? 'any' : new Set(options.allowedKeys.map((k) => k.toString('hex')));
  const warnedKeys = new Set<string>();
  const pairs = new Set<Pair>();
  const sockets = new Set<Socket>(); // every TCP connection, handshaking ones included: close() ends them all
  let closing = false;
  let overloaded = false;
  let unreachable = false;

  const refuse = (caller: TLSSocket, error: CellError<string>): void => {
    caller.on('error', () => undefined);
    caller.end(encodeFrame({ kind: FrameKind.ERROR, streamId: 0, body: encodeBody(error.toJSON()) }));
    setTimeout(() => caller.destroy(), 1000).unref();
  };

  const join = (caller: TLSSocket, peer: string): void => {
    // Connecting per caller: a new generation of the cell may have taken the path over.
    const target = netConnect(options.target);
    target.setNoDelay(true);
    let connected = false;
    let done = false;
    let open = 2;
    let resolveClosed!: () => void;
    const pair: Pair = { destroy: () => (caller.destroy(), target.destroy()), closed: new Promise((r) => (resolveClosed = r)) };
    pairs.add(pair);
    const onClose = () => {
      if (--open > 0) return;
      pairs.delete(pair);
      resolveClosed();
    };
    caller.once('close', onClose);
    target.once('close', onClose);
    target.once('connect', () => {
      connected = true;
      unreachable = false;
    });
    const finish = (err: NodeJS.ErrnoException | null | undefined) => {
      if (done) return;
      done = true;
      pair.destroy();
      if (!err || err.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      if (!connected && err.syscall === 'connect') {
        // One line per outage (the cell restarting, not yet bound), not one per caller.
        if (!unreachable) log?.warn({ err, target: options.target, peer }, 'cannot reach the cell behind the relay');
        unreachable = true;
      } else log?.debug({ err, peer }, 'relayed connection failed');
    };
    // Two pipelines through one TLS socket add 8 'close' listeners to its own: not a leak.
    caller.setMaxListeners(caller.getMaxListeners() + 8);
    // Until the Unix connect completes, the socket queues what the caller sends (and pauses it past its buffer).
    pipeline(caller, target, finish);
    pipeline(target, caller, finish);
  };

  const { server, port } = await listenAxon(options.host, options.port, options.credentials, (caller, key) => {
    if (closing) return void caller.destroy();
    const peer = peerIdFromKey(key);
    if (allowed !== 'any' && !allowed.has(key.toString('hex'))) {
      if (!warnedKeys.has(peer)) {
        if (warnedKeys.size >= MAX_WARNED_KEYS) warnedKeys.clear();
        warnedKeys.add(peer);
        log?.warn({ peer, address: caller.remoteAddress }, 'refused a node whose key is not allowed');
      }
      return refuse(caller, new CellError('CELL_E_DENIED', `node ${peer} is not allowed to call through this relay`, { details: { node: peer } }));
    }
    if (pairs.size >= maxConnections) {
      // One line per burst, not one per refused connection.
      if (!overloaded) log?.warn({ maxConnections }, 'refusing connections over the limit');
      overloaded = true;
      return refuse(caller, new CellError('CELL_E_OVERLOADED', `the relay holds its limit of ${maxConnections} connections; try again later`, { details: { maxConnections } }));
    }
    overloaded = false;
    join(caller, peer);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  let closed: Promise<void> | undefined;
  return {
    port,
    get connections() {
      return pairs.size;
    },
    close() {
      closed ??= (async () => {
        closing = true;
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const p of pairs) p.destroy();
        for (const s of sockets) s.destroy();
        await Promise.all([serverClosed, ...[...pairs].map((p) => p.closed)]);
      })();
      return closed;
    },
  };
}
