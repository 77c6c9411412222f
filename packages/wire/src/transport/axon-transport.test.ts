import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type Server, type TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CellError } from '@cell/protocol';
import { makeAxonCredentials } from '../test-support/axon-credentials.ts';
import { waitUntil } from '../test-support/raw-peer.ts';
import { borrowedReadsOf } from './borrowed-reads.ts';
import { type AxonCredentials, connectAxon, listenAxon, loadAxonCredentials, peerKeyOf } from './axon-transport.ts';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0).reverse()) c();
});

const dir = mkdtempSync(join(tmpdir(), 'cell-axon-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: AxonCredentials;
let client: AxonCredentials;
let stranger: AxonCredentials;
beforeAll(() => {
  [server, client, stranger] = [makeAxonCredentials(), makeAxonCredentials(), makeAxonCredentials()];
});

/** An axon on 127.0.0.1, port 0, echoing what each caller sends; records the keys callers proved. */
async function echoAxon(credentials = server): Promise<{ port: number; callers: Buffer[] }> {
  const callers: Buffer[] = [];
  const { server: tls, port } = await listenAxon('127.0.0.1', 0, credentials, (socket, key) => {
    callers.push(key);
    closers.push(() => socket.destroy());
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  closers.push(() => (tls as Server).close());
  return { port, callers };
}

/** A plain TCP server on 127.0.0.1, port 0, doing `onSocket` with each connection. */
async function tcpServer(onSocket: (s: Socket) => void): Promise<number> {
  const tcp: TcpServer = createTcpServer((s) => {
    closers.push(() => s.destroy());
    onSocket(s);
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
  closers.push(() => tcp.close());
  return (tcp.address() as { port: number }).port;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    (s) => {
      (s as Socket).destroy();
      return undefined;
    },
    (e: unknown) => e as CellError<string>,
  );

async function connected(port: number, key: Buffer | undefined, as = client): Promise<TLSSocket> {
  const socket = await connectAxon({ host: '127.0.0.1', port, key }, as, 5000);
  closers.push(() => socket.destroy());
  return socket;
}

describe('axon transport (TLS 1.3, pinned Ed25519 keys, over loopback)', () => {
  it('connects to the node holding the pinned key, each side proving its own', async () => {
    const axon = await echoAxon();
    expect(axon.port).toBeGreaterThan(0);
    const socket = await connected(axon.port, server.publicKey);
    expect(peerKeyOf(socket)?.equals(server.publicKey)).toBe(true);
    expect(socket.getProtocol()).toBe('TLSv1.3');
    expect(socket.alpnProtocol).toBe('cell/1');
    socket.write('hello');
    const echoed = await new Promise<string>((r) => socket.once('data', (d: Buffer) => r(d.toString())));
    expect(echoed).toBe('hello');
    expect(axon.callers.map((k) => k.equals(client.publicKey))).toEqual([true]);
  });

  it('with borrowed reads, hands over every decrypted byte through the shared read buffer and emits no data events', async () => {
    const axon = await echoAxon();
    const socket = await connectAxon({ host: '127.0.0.1', port: axon.port, key: server.publicKey }, client, 5000, { borrowedReads: true });
    closers.push(() => socket.destroy());
    const reads = borrowedReadsOf(socket);
    expect(reads).toBeDefined();
    socket.on('data', () => expect.unreachable('a socket with borrowed reads emits no data events'));
    const sent = Buffer.alloc(3 << 20);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 7 + (i >> 11)) & 0xff;
    const got: Buffer[] = [];
    let gotBytes = 0;
    let sawBorrowed = false;
    reads!.attach((chunk, borrowed) => {
      sawBorrowed ||= borrowed;
      got.push(Buffer.from(chunk)); // a borrowed chunk is valid only during the call
      gotBytes += chunk.length;
    });
    socket.write(sent);
    await waitUntil(() => gotBytes >= sent.length, 'the echo of 3 MiB');
    expect(sawBorrowed).toBe(true);
    expect(Buffer.concat(got).equals(sent)).toBe(true);
  });

  it('refuses with CELL_E_DENIED a node that does not hold the pinned key', async () => {
    const axon = await echoAxon();
    const error = await failure(connectAxon({ host: '127.0.0.1', port: axon.port, key: stranger.publicKey }, client, 5000));
    expect(error?.code).toBe('CELL_E_DENIED');
    expect(error?.details).toEqual({ endpoint: `127.0.0.1:${axon.port}` });
  });

  it('trusts the key a node presents on first use when none is pinned, and tells it', async () => {
    const axon = await echoAxon(stranger);
    const socket = await connected(axon.port, undefined);
    expect(peerKeyOf(socket)?.equals(stranger.publicKey)).toBe(true);
  });

  it('gives up with CELL_E_UNAVAILABLE when the handshake does not complete in time', async () => {
    const port = await tcpServer(() => undefined); // accepts, never speaks TLS
    const started = Date.now();
    const error = await failure(connectAxon({ host: '127.0.0.1', port, key: server.publicKey }, client, 300));
    expect(error?.code).toBe('CELL_E_UNAVAILABLE');
    expect(error?.details).toEqual({ endpoint: `127.0.0.1:${port}` });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails with CELL_E_UNAVAILABLE when the other end hangs up during the handshake', async () => {
    const port = await tcpServer((s) => s.destroy());
    expect((await failure(connectAxon({ host: '127.0.0.1', port, key: server.publicKey }, client, 5000)))?.code).toBe('CELL_E_UNAVAILABLE');
  });

  it('drops a caller that presents no certificate, or speaks only TLS 1.2, before anything reaches the cell', async () => {
    const axon = await echoAxon();
    for (const options of [{}, { key: client.keyPem, cert: client.certPem, maxVersion: 'TLSv1.2' as const }]) {
      const socket = tlsConnect({ host: '127.0.0.1', port: axon.port, rejectUnauthorized: false, ...options });
      closers.push(() => socket.destroy());
      let closed = false;
      socket.on('error', () => undefined);
      socket.on('close', () => (closed = true));
      await waitUntil(() => closed, 'the axon to drop the caller');
    }
    expect(axon.callers).toEqual([]);
  });
});

describe('loadAxonCredentials', () => {
  it('reads a node identity file', () => {
    const file = join(dir, 'identity.json');
    writeFileSync(file, JSON.stringify({ version: 1, peerId: client.peerId, keyPem: client.keyPem, certPem: client.certPem, publicKey: client.publicKey.toString('base64') }));
    const loaded = loadAxonCredentials(file);
    expect(loaded).toEqual(client);
  });

  it('refuses with CELL_E_INVALID_ARGUMENT a file that is missing, not JSON, or not an identity', () => {
    const notJson = join(dir, 'not-json');
    writeFileSync(notJson, '{');
    const partial = join(dir, 'partial.json');
    writeFileSync(partial, JSON.stringify({ keyPem: client.keyPem }));
    for (const file of [join(dir, 'missing.json'), notJson, partial]) {
      expect(() => loadAxonCredentials(file), file).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
    }
  });
});
