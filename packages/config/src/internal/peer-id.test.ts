import { describe, expect, it } from 'vitest';
import { isPeerId, peerIdProblem } from './peer-id.ts';

const KEY = '12D3KooWEx896Z4xNYLj5c2qioybsonuRfQu8EDaib7A3hMDNqJX';

describe('isPeerId', () => {
  it('accepts an Ed25519 peer id', () => {
    expect(isPeerId(KEY)).toBe(true);
  });

  it('refuses text that is not base58, has the wrong length, or is another kind of key', () => {
    expect(isPeerId('not-a-key')).toBe(false);
    expect(isPeerId('')).toBe(false);
    expect(isPeerId(KEY.slice(0, -1))).toBe(false);
    expect(isPeerId(`${KEY}1`)).toBe(false);
    expect(isPeerId(` ${KEY}`)).toBe(false);
    // An RSA peer id (sha256 multihash), valid for libp2p but not a Cell node key.
    expect(isPeerId('QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN')).toBe(false);
  });
});

describe('peerIdProblem', () => {
  it('allows "*" only where asked', () => {
    expect(peerIdProblem('*', true)).toBeUndefined();
    expect(peerIdProblem('*', false)).toContain('is not a node key');
    expect(peerIdProblem(KEY, false)).toBeUndefined();
  });

  it('names the value and the expected format', () => {
    expect(peerIdProblem('not-a-key', true)).toBe(
      '"not-a-key" is not a node key; expected an Ed25519 peer id like "12D3KooW..." (`cell id` prints a node\'s) or "*" for any node',
    );
    expect(peerIdProblem(3, true)).toContain('a number is not a node key');
  });
});
