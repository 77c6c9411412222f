import { readFileSync } from 'node:fs';
import type { Server, TLSSocket } from 'node:tls';
import { CellError } from '@cell/protocol';
import { BorrowedReads, markBorrowedReads } from './borrowed-reads.ts';
import { peerIdFromKey } from './peer-key.ts';

/** A node's TLS identity: an Ed25519 key and a self-signed certificate for it. */
export interface AxonCredentials {
  keyPem: string;
  certPem: string;
  /** Raw 32-byte public key. */
  publicKey: Buffer;
  peerId: string;
}

/** Where a cell (or a node's directory) listens for other nodes. */
export interface AxonEndpoint {
  host: string;
  port: number;
  /**
   * The key the server must hold; connecting to anything else fails with CELL_E_DENIED.
   * Undefined: trust the key it presents on first use (the caller reads it with `peerKeyOf`).
   */
  key: Buffer | undefined;
}

const ALPN = ['cell/1'];

/**
 * Node's TLS, loaded on the first axon: a cell that only serves its Unix socket never pays for it
 * (~12 ms of start-up and ~5 MiB of private memory here, node:crypto included).
 */
const tls = () => process.getBuiltinModule('node:tls');

/** Reads a node identity file (what the nucleus names in `CELL_IDENTITY_FILE`). */
export function loadAxonCredentials(file: string): AxonCredentials {
  let parsed: { peerId?: string; keyPem?: string; certPem?: string; publicKey?: string };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
  } catch (err) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `cannot read the node identity ${file}: ${(err as Error).message}`);
  }
  if (!parsed.keyPem || !parsed.certPem || !parsed.publicKey) throw new CellError('CELL_E_INVALID_ARGUMENT', `${file} is not a node identity`);
  const publicKey = Buffer.from(parsed.publicKey, 'base64');
  return { keyPem: parsed.keyPem, certPem: parsed.certPem, publicKey, peerId: peerIdFromKey(publicKey) };
}

/** Keys proved during handshakes: a client socket stops exposing the peer certificate afterwards. */
const provenKeys = new WeakMap<TLSSocket, Buffer>();

/** The raw Ed25519 key the other side of a TLS connection proved it holds, if any. */
export function peerKeyOf(socket: TLSSocket): Buffer | undefined {
  const proven = provenKeys.get(socket);
  if (proven) return proven;
  const cert = socket.getPeerX509Certificate();
  if (!cert || cert.publicKey.asymmetricKeyType !== 'ed25519') return undefined;
  const spki = cert.publicKey.export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32);
}

/**
 * Listens for other nodes: TLS 1.3 only, each side presenting an Ed25519 certificate. The
 * handshake proves the caller holds its key; whether that key may call is the membrane's call.
 */
export function listenAxon(
  host: string,
  port: number,
  credentials: AxonCredentials,
  onConnection: (socket: TLSSocket, peerKey: Buffer) => void,
): Promise<{ server: Server; port: number }> {
  const server = tls().createServer(
    {
      key: credentials.keyPem,
      cert: credentials.certPem,
      requestCert: true,
      rejectUnauthorized: false, // self-signed by design: keys are pinned, not chained to a CA
      minVersion: 'TLSv1.3',
      ALPNProtocols: ALPN,
      handshakeTimeout: 5000,
    },
    (socket) => {
      const key = peerKeyOf(socket);
      if (!key) {
        socket.destroy();
        return;
      }
      socket.setNoDelay(true);
      onConnection(socket, key);
    },
  );
  server.on('tlsClientError', () => undefined); // a failed handshake (bad, tampered, replayed) just closes
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // exclusive: under the nucleus (a cluster primary) each replica must own its port.
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve({ server, port: (server.address() as { port: number }).port });
    });
  });
}

/**
 * Connects to another node's cell; resolves once the TLS handshake proved the expected key. With
 * `borrowedReads` the decrypted reads land in the process's shared read buffer (see
 * BorrowedReads) and the socket emits no 'data' events.
 */
export function connectAxon(endpoint: AxonEndpoint, credentials: AxonCredentials, timeoutMs: number, options: { borrowedReads?: boolean } = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const where = `${endpoint.host}:${endpoint.port}`;
    const reads = options.borrowedReads ? new BorrowedReads() : undefined;
    const socket = tls().connect({
      ...(reads && { onread: reads.onread }),
      host: endpoint.host,
      port: endpoint.port,
      key: credentials.keyPem,
      cert: credentials.certPem,
      rejectUnauthorized: false, // checked below against the pinned key
      checkServerIdentity: () => undefined,
      minVersion: 'TLSv1.3',
      ALPNProtocols: ALPN,
      servername: undefined,
    });
    if (reads) markBorrowedReads(socket, reads);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new CellError('CELL_E_UNAVAILABLE', `connect to ${where} timed out after ${timeoutMs} ms`, { details: { endpoint: where } }));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const key = peerKeyOf(socket);
      if (!key || (endpoint.key && !key.equals(endpoint.key))) {
        socket.destroy();
        reject(
          new CellError('CELL_E_DENIED', `${where} is not the node it claims to be (expected ${endpoint.key ? peerIdFromKey(endpoint.key) : 'an Ed25519 key'}, got ${key ? peerIdFromKey(key) : 'no key'})`, {
            details: { endpoint: where },
          }),
        );
        return;
      }
      provenKeys.set(socket, key);
      socket.setNoDelay(true);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new CellError('CELL_E_UNAVAILABLE', `cannot connect to ${where}: ${err.code ?? err.message}`, { details: { endpoint: where }, cause: err }));
    });
  });
}
