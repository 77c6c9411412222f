import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';

/** A raw Ed25519 key pair: 32-byte seed and 32-byte public key. */
export interface RawKeyPair {
  seed: Buffer;
  publicKey: Buffer;
}

export function generateEd25519(): RawKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return { seed: Buffer.from(jwk.d!, 'base64url'), publicKey: Buffer.from(jwk.x!, 'base64url') };
}

export function privateKeyOf(pair: RawKeyPair): KeyObject {
  return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: pair.seed.toString('base64url'), x: pair.publicKey.toString('base64url') }, format: 'jwk' });
}

/** The public key of a seed (to check a stored pair is whole). */
export function publicKeyOfSeed(seed: Buffer): Buffer {
  const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  return Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x!, 'base64url');
}

export function signEd25519(key: KeyObject, data: Uint8Array): Buffer {
  return sign(null, data, key);
}

/** False for a wrong signature, a wrong key, or a malformed one: never throws. */
export function verifyEd25519(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}
