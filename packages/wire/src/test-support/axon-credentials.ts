import { generateKeyPairSync, sign } from 'node:crypto';
import type { AxonCredentials } from '../transport/axon-transport.ts';
import { peerIdFromKey } from '../transport/peer-key.ts';

// A node identity for tests, made without @cell/net (which depends on this package): an Ed25519
// key and a minimal self-signed X.509 v3 certificate for it, DER-encoded by hand.

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let left = n; left > 0; left >>= 8) bytes.unshift(left & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

const sequence = (...parts: Buffer[]) => der(0x30, ...parts);
/** AlgorithmIdentifier { id-Ed25519 (1.3.101.112) }, no parameters. */
const ED25519 = sequence(Buffer.from('06032b6570', 'hex'));
/** Name: one RDN, CN = `cn` (commonName is 2.5.4.3). */
const name = (cn: string) => sequence(der(0x31, sequence(Buffer.from('0603550403', 'hex'), der(0x0c, Buffer.from(cn)))));

/** A fresh Ed25519 node identity with a self-signed certificate, as `loadAxonCredentials` would return it. */
export function makeAxonCredentials(): AxonCredentials {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const raw = Buffer.from(spki.subarray(spki.length - 32));
  const peerId = peerIdFromKey(raw);
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))), // version v3
    der(0x02, Buffer.from([1])), // serial number
    ED25519,
    name(peerId),
    sequence(der(0x17, Buffer.from('200101000000Z')), der(0x18, Buffer.from('21200101000000Z'))),
    name(peerId),
    spki,
  );
  const signature = sign(null, tbs, privateKey);
  const cert = sequence(tbs, ED25519, der(0x03, Buffer.from([0]), signature));
  const base64 = cert.toString('base64').match(/.{1,64}/g)!.join('\n');
  return {
    keyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    certPem: `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`,
    publicKey: raw,
    peerId,
  };
}
