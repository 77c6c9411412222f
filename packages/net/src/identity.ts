import { webcrypto } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromRaw } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs it
import * as x509 from '@peculiar/x509';
import { CellError } from '@cell/protocol';
import { peerIdFromKey } from '@cell/sdk';

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

/** Where a user's node identity lives: `CELL_HOME`, else `~/.cell`. */
export function cellHome(): string {
  return process.env['CELL_HOME'] ?? join(homedir(), '.cell');
}

// PKCS#8 and SPKI wrappers of a raw Ed25519 key (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function pem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

async function selfSignedCertificate(seed: Buffer, publicKey: Buffer, peerId: string): Promise<string> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const algorithm = { name: 'Ed25519' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', Buffer.concat([PKCS8_PREFIX, seed]), algorithm, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', Buffer.concat([SPKI_PREFIX, publicKey]), algorithm, true, ['verify']),
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
    keyPem: pem('PRIVATE KEY', Buffer.concat([PKCS8_PREFIX, seed])),
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
    if (stored.version !== 1 || typeof stored.privateKey !== 'string') throw new CellError('CELL_E_INVALID_ARGUMENT', `${file} is not a node identity of format 1`);
    const identity = await fromRaw(Buffer.from(stored.privateKey, 'base64'), file);
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
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return identity;
}
