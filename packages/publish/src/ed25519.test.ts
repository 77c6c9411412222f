import { describe, expect, it } from 'vitest';
import { generateEd25519, privateKeyOf, publicKeyOfSeed, signEd25519, verifyEd25519 } from './ed25519.ts';

describe('ed25519', () => {
  it('signs with a raw key pair and verifies with the raw public key only', () => {
    const pair = generateEd25519();
    expect(pair.seed).toHaveLength(32);
    expect(publicKeyOfSeed(pair.seed).equals(pair.publicKey)).toBe(true);
    const sig = signEd25519(privateKeyOf(pair), Buffer.from('hello'));
    expect(verifyEd25519(pair.publicKey, Buffer.from('hello'), sig)).toBe(true);
    expect(verifyEd25519(pair.publicKey, Buffer.from('hellO'), sig)).toBe(false);
    expect(verifyEd25519(generateEd25519().publicKey, Buffer.from('hello'), sig)).toBe(false);
  });

  it('answers false, never throws, for malformed keys and signatures', () => {
    expect(verifyEd25519(new Uint8Array(3), Buffer.from('x'), new Uint8Array(64))).toBe(false);
    expect(verifyEd25519(generateEd25519().publicKey, Buffer.from('x'), new Uint8Array(5))).toBe(false);
  });
});
