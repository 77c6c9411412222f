import type { Socket } from 'node:net';
import { CellError, decodeBody, encodeBody, type Frame, FrameKind, fromWireError, type OversizeFrame, toCellError } from '@cell/protocol';
import type { Clock } from '../clock.ts';
import { type ConnectionEvents, FramedConnection } from '../connection/framed-connection.ts';
import { PROTOCOL_VERSION, type ServerHello } from '../connection/handshake.ts';
import { serverHellos } from '../connection/hello-memo.ts';
import type { RememberedHello } from './hello-cache.ts';

/** What the caller tells the membrane about itself in HELLO, and the limits it runs with. */
export interface HandshakeConfig {
  maxFrameBytes: number;
  frameTimeoutMs: number;
  maxWriteBacklogBytes: number;
  windowBytes: number;
  /** How far a stream's window grows while its reader keeps up; default `windowBytes` (fixed). */
  maxWindowBytes?: number | undefined;
  handshakeTimeoutMs: number;
  /** Name of the cell we expect to reach. */
  target: string | undefined;
  fingerprint: string | undefined;
  cell: string | undefined;
  replica: string | undefined;
  clock: Clock;
}

/** A connection whose handshake succeeded (or, `early`, was sent after a remembered one), waiting for its owner to take over its events. */
export interface OpenedConnection {
  conn: FramedConnection;
  hello: ServerHello;
  handshakeMs: number;
  /**
   * True when `hello` is the one remembered from an earlier connection: ours was sent and the
   * membrane's is still to come, as the owner's first frame (calls may go out meanwhile, flagged early).
   */
  early: boolean;
  /** Routes the connection's events to the owner; frames that came right behind HELLO are replayed. */
  attach(events: ConnectionEvents): void;
}

/**
 * Sends our HELLO on a connected socket and waits (bounded) for the membrane's; with `remembered`
 * (what the membrane said on an earlier connection), returns at once with that instead.
 */
export function handshake(socket: Socket, config: HandshakeConfig, remembered?: RememberedHello): Promise<OpenedConnection> {
  return new Promise((resolve, reject) => {
    const queued: Frame[] = [];
    let owner: ConnectionEvents | undefined;
    let done = false;
    const started = config.clock.monotonic();
    // With a remembered HELLO the owner waits for the membrane's (LateHello), under the same timeout.
    const timer = remembered ? undefined : config.clock.setTimer(() => conn.destroy(noHandshakeReply(config.handshakeTimeoutMs)), config.handshakeTimeoutMs);
    const settle = () => {
      done = true;
      config.clock.clearTimer(timer);
    };
    const onFrame = (f: Frame): void => {
      if (owner) return owner.frame(f);
      if (done) return void queued.push(f);
      if (f.kind === FrameKind.ERROR) {
        settle();
        reject(fromWireError(safeDecode(f.body)));
        return conn.destroy(new CellError('CELL_E_UNAVAILABLE', 'handshake refused'));
      }
      if (f.kind !== FrameKind.HELLO) return void queued.push(f);
      settle();
      let hello: ServerHello;
      try {
        hello = serverHellos.read(f.body);
      } catch (err) {
        const error = toCellError(err, 'CELL_E_PROTOCOL');
        conn.fail(error);
        return reject(error);
      }
      resolve(opened(hello, config.clock.monotonic() - started, false));
    };
    const opened = (hello: ServerHello, handshakeMs: number, early: boolean): OpenedConnection => ({
      conn,
      hello,
      handshakeMs,
      early,
      attach(events) {
        owner = events;
        for (const e of queued.splice(0)) events.frame(e);
        if (!conn.isOpen) events.close(closedWith);
      },
    });
    let closedWith: CellError<string> | undefined;
    const conn = new FramedConnection(
      socket,
      { maxFrameBytes: config.maxFrameBytes, frameTimeoutMs: config.frameTimeoutMs, maxWriteBacklogBytes: config.maxWriteBacklogBytes, pauseReadingOnBacklog: false },
      {
        frame: onFrame,
        oversize: (info: OversizeFrame) => owner?.oversize(info),
        close: (err) => {
          closedWith = err;
          if (owner) return owner.close(err);
          if (!done) {
            settle();
            reject(err ?? new CellError('CELL_E_UNAVAILABLE', 'connection closed during handshake'));
          }
        },
      },
    );
    conn.send({ kind: FrameKind.HELLO, streamId: 0, body: clientHelloBody(config) });
    if (remembered) {
      settle(); // the membrane's HELLO (or its refusal) reaches the owner as its first frame
      resolve(opened(remembered.hello, remembered.handshakeMs, true));
    }
  });
}

/** The last HELLO body encoded, and what it says: a pool's connections all say the same. */
let lastHello: { body: Buffer; config: Pick<HandshakeConfig, 'target' | 'fingerprint' | 'cell' | 'replica' | 'maxFrameBytes' | 'windowBytes'> } | undefined;

/** Our HELLO's body for `config`, encoded once for as long as the config says the same. */
export function clientHelloBody(config: HandshakeConfig): Buffer {
  const { target, fingerprint, cell, replica, maxFrameBytes, windowBytes } = config;
  const last = lastHello;
  if (last !== undefined) {
    const said = last.config;
    if (said.target === target && said.fingerprint === fingerprint && said.cell === cell && said.replica === replica && said.maxFrameBytes === maxFrameBytes && said.windowBytes === windowBytes) return last.body;
  }
  const body = encodeBody({ v: PROTOCOL_VERSION, role: 'client', target, fingerprint, cell, replica, maxFrameBytes, windowBytes })!;
  lastHello = { body, config: { target, fingerprint, cell, replica, maxFrameBytes, windowBytes } };
  return body;
}

/** A membrane said nothing back to our HELLO within the handshake timeout. */
export function noHandshakeReply(timeoutMs: number): CellError<string> {
  return new CellError('CELL_E_UNAVAILABLE', `no handshake reply within ${timeoutMs} ms`);
}

export function safeDecode(body: Buffer | undefined): unknown {
  try {
    return decodeBody(body);
  } catch {
    return undefined;
  }
}
