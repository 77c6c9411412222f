import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connectAxon, keyFromPeerId, listenAxon, loadAxonCredentials, peerKeyOf } from '@cell/wire';
import { loadOrCreateIdentity } from './identity.ts';
import { credentialsOf, tempDir } from './test-support/fixtures.ts';

const dir = tempDir('cell-identity-');
afterAll(() => dir.remove());

let homes = 0;
const freshHome = () => join(dir.path, `home-${++homes}`);

describe('the default home', () => {
  const saved = process.env['CELL_HOME'];
  afterEach(() => {
    if (saved === undefined) delete process.env['CELL_HOME'];
    else process.env['CELL_HOME'] = saved;
  });

  it('is where loadOrCreateIdentity keeps the key by default', async () => {
    const home = freshHome();
    process.env['CELL_HOME'] = home;
    const identity = await loadOrCreateIdentity();
    expect(identity.file).toBe(join(home, 'identity.json'));
    expect((JSON.parse(readFileSync(identity.file, 'utf8')) as { peerId: string }).peerId).toBe(identity.peerId);
  });
});

describe('loadOrCreateIdentity', () => {
  it('creates the key on first use, readable by its owner only, in a private directory', async () => {
    const home = freshHome();
    const identity = await loadOrCreateIdentity(home);
    expect(identity.file).toBe(join(home, 'identity.json'));
    expect(statSync(identity.file).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o077).toBe(0);
    const stored = JSON.parse(readFileSync(identity.file, 'utf8')) as Record<string, unknown>;
    expect(stored).toMatchObject({ version: 1, peerId: identity.peerId, publicKey: identity.publicKey.toString('base64'), keyPem: identity.keyPem, certPem: identity.certPem });
  });

  it('loads the same key again, and a second home gets another one', async () => {
    const home = freshHome();
    const first = await loadOrCreateIdentity(home);
    const again = await loadOrCreateIdentity(home);
    expect(again.peerId).toBe(first.peerId);
    expect(again.publicKey.equals(first.publicKey)).toBe(true);
    expect(again.keyPem).toBe(first.keyPem);
    expect(again.privateKey.equals(first.privateKey)).toBe(true);
    const other = await loadOrCreateIdentity(freshHome());
    expect(other.peerId).not.toBe(first.peerId);
  });

  it('names the node by the same peer id libp2p derives from the key', async () => {
    const identity = await loadOrCreateIdentity(freshHome());
    expect(peerIdFromPrivateKey(identity.privateKey).toString()).toBe(identity.peerId);
    expect(identity.peerId).toMatch(/^12D3KooW/);
    expect(keyFromPeerId(identity.peerId).equals(identity.publicKey)).toBe(true);
    expect(identity.publicKey).toHaveLength(32);
  });

  it('holds a self-signed certificate of the node key', async () => {
    const identity = await loadOrCreateIdentity(freshHome());
    const cert = new X509Certificate(identity.certPem);
    expect(cert.publicKey.asymmetricKeyType).toBe('ed25519');
    const spki = cert.publicKey.export({ format: 'der', type: 'spki' });
    expect(spki.subarray(spki.length - 32).equals(identity.publicKey)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(identity.keyPem))).toBe(true);
  });

  it('gives PEM credentials that complete a TLS 1.3 axon handshake, each side proving its key', async () => {
    const server = await loadOrCreateIdentity(freshHome());
    const client = await loadOrCreateIdentity(freshHome());
    let serverSaw: Buffer | undefined;
    const accepted: TLSSocket[] = [];
    const { server: listener, port } = await listenAxon('127.0.0.1', 0, credentialsOf(server), (socket, key) => {
      serverSaw = key;
      accepted.push(socket);
    });
    try {
      // The client reads its credentials from the identity file, as a cell does.
      const socket = await connectAxon({ host: '127.0.0.1', port, key: server.publicKey }, loadAxonCredentials(client.file), 10_000);
      try {
        expect(socket.getProtocol()).toBe('TLSv1.3');
        expect(peerKeyOf(socket)?.equals(server.publicKey)).toBe(true);
        const deadline = Date.now() + 10_000;
        while (!serverSaw && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(serverSaw?.equals(client.publicKey), 'the server learned the client key').toBe(true);
      } finally {
        socket.destroy();
      }
      // Pinning another node's key refuses this server.
      await expect(connectAxon({ host: '127.0.0.1', port, key: client.publicKey }, credentialsOf(client), 10_000)).rejects.toMatchObject({ code: 'CELL_E_DENIED' });
    } finally {
      for (const s of accepted) s.destroy();
      await new Promise((r) => listener.close(r));
    }
  });

  it.each([
    ['not JSON', '{ this is not json'],
    ['JSON null', 'null'],
    ['another format version', JSON.stringify({ version: 2, privateKey: 'AAAA' })],
    ['no private key', JSON.stringify({ version: 1 })],
    ['a truncated key', JSON.stringify({ version: 1, privateKey: 'AAAA' })],
    ['a key whose halves do not match', JSON.stringify({ version: 1, privateKey: Buffer.alloc(64, 7).toString('base64') })],
  ])('refuses a corrupt identity file (%s) with CELL_E_INVALID_ARGUMENT', async (_what, content) => {
    const home = freshHome();
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'identity.json'), content);
    await expect(loadOrCreateIdentity(home)).rejects.toMatchObject({ name: 'CellError', code: 'CELL_E_INVALID_ARGUMENT' });
    // Never silently replaced: the file is left for its owner to look at.
    expect(readFileSync(join(home, 'identity.json'), 'utf8')).toBe(content);
  });
});
