import { createPrivateKey, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromRaw } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs it
import * as x509 from '@peculiar/x509';
import { cellHome } from '@cell/host';
import { CellError } from '@cell/protocol';
import { type AxonCredentials, peerIdFromKey } from '@cell/wire';
import writeFileAtomic from 'write-file-atomic';

/** A node's identity: its Ed25519 key (its address) and a self-signed TLS certificate for it. */
export interface NodeIdentity {
  /** The node's address: its public key as a peer id ("12D3KooW..."). */
  peerId: string;
  publicKey: Buffer;
  /** For libp2p. */
  privateKey: PrivateKey;
  keyPem: string;
  certPem: string;
  /** The file it is kept in (mode 0600); cells read their TLS credentials from it. */
  file: string;
}

interface IdentityFile {
  version: 1;
  peerId: string;
  /** libp2p raw Ed25519 private key (seed and public key), base64. */
  privateKey: string;
  publicKey: string;
  keyPem: string;
  certPem: string;
}

/** A raw Ed25519 key pair as JWK (RFC 8037), which node:crypto and WebCrypto both import. */
function jwk(seed: Buffer, publicKey: Buffer): { kty: 'OKP'; crv: 'Ed25519'; x: string; d: string } {
  return { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url'), d: seed.toString('base64url') };
}

async function selfSignedCertificate(seed: Buffer, publicKey: Buffer, peerId: string): Promise<string> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const algorithm = { name: 'Ed25519' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey('jwk', jwk(seed, publicKey), algorithm, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') }, algorithm, true, ['verify']),
  };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${peerId}`,
    notBefore: new Date(Date.UTC(2020, 0, 1)),
    notAfter: new Date(Date.UTC(2120, 0, 1)),
    signingAlgorithm: algorithm,
    keys,
  });
  return cert.toString('pem');
}

async function fromRaw(raw: Uint8Array, file: string): Promise<NodeIdentity> {
  const privateKey = privateKeyFromRaw(raw);
  const publicKey = Buffer.from(privateKey.publicKey.raw);
  const peerId = peerIdFromKey(publicKey);
  const seed = Buffer.from(raw.subarray(0, 32));
  return {
    peerId,
    publicKey,
    privateKey,
    keyPem: createPrivateKey({ key: jwk(seed, publicKey), format: 'jwk' }).export({ format: 'pem', type: 'pkcs8' }).toString(),
    certPem: await selfSignedCertificate(seed, publicKey, peerId),
    file,
  };
}

/**
 * The node's identity, created on first run in `home` (default `CELL_HOME` or `~/.cell`) and
 * kept there with mode 0600. The same key is the node's libp2p peer id and its TLS key.
 */
export async function loadOrCreateIdentity(home = cellHome()): Promise<NodeIdentity> {
  const file = join(home, 'identity.json');
  if (existsSync(file)) {
    let stored: IdentityFile;
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as IdentityFile;
    } catch (err) {
      throw new CellError('CELL_E_INVALID_ARGUMENT', `${file} is not a node identity: ${(err as Error).message}`);
    }
    if (typeof stored !== 'object' || stored === null || stored.version !== 1 || typeof stored.privateKey !== 'string') {
      throw new CellError('CELL_E_INVALID_ARGUMENT', `${file} is not a node identity of format 1`);
    }
    let identity: NodeIdentity;
    try {
      identity = await fromRaw(Buffer.from(stored.privateKey, 'base64'), file);
    } catch (err) {
      // A truncated or altered key fails deep in the crypto libraries: report the file, keep the cause.
      throw new CellError('CELL_E_INVALID_ARGUMENT', `${file} does not hold a valid Ed25519 key: ${(err as Error).message}`, { cause: err });
    }
    return { ...identity, certPem: stored.certPem ?? identity.certPem };
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const key = await generateKeyPair('Ed25519');
  const identity = await fromRaw(key.raw, file);
  const stored: IdentityFile = {
    version: 1,
    peerId: identity.peerId,
    privateKey: Buffer.from(key.raw).toString('base64'),
    publicKey: identity.publicKey.toString('base64'),
    keyPem: identity.keyPem,
    certPem: identity.certPem,
  };
  writeFileAtomic.sync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  return identity;
}

/** The TLS credentials of a node identity, as its axons (directory, cells, relays) present them. */
export function axonCredentials(identity: NodeIdentity): AxonCredentials {
  return { keyPem: identity.keyPem, certPem: identity.certPem, publicKey: identity.publicKey, peerId: identity.peerId };
}
