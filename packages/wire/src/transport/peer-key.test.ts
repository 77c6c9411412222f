import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isPeerId, keyFromPeerId, peerIdFromKey } from './peer-key.ts';

function rawKey(): Buffer {
  const spki = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32);
}

describe('peer keys', () => {
  it('writes an Ed25519 key as a libp2p peer id and reads it back', () => {
    for (let i = 0; i < 20; i++) {
      const key = rawKey();
      const id = peerIdFromKey(key);
      expect(id).toMatch(/^12D3KooW[1-9A-HJ-NP-Za-km-z]+$/);
      expect(keyFromPeerId(id).equals(key)).toBe(true);
      expect(isPeerId(id)).toBe(true);
    }
  });

  it('matches the peer id libp2p gives the same key', async () => {
    const { peerIdFromPublicKey } = await import('@libp2p/peer-id');
    const { publicKeyFromRaw } = await import('@libp2p/crypto/keys');
    const key = rawKey();
    expect(peerIdFromKey(key)).toBe(peerIdFromPublicKey(publicKeyFromRaw(key)).toString());
  });

  it('refuses what is not an Ed25519 peer id', () => {
    for (const bad of ['', 'not-a-key', '12D3KooW', 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N', '0OIl']) {
      expect(isPeerId(bad)).toBe(false);
      expect(() => keyFromPeerId(bad)).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
    }
    expect(() => peerIdFromKey(Buffer.alloc(31))).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
  });
});
