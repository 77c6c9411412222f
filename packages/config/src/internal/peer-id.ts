import { base58btc } from 'multiformats/bases/base58';

// A node's key is written the way libp2p writes an Ed25519 peer id: base58btc of an identity
// multihash (0x00, length 0x24) of the protobuf-encoded public key (type Ed25519 = 1, 32 bytes of
// data), which always starts "12D3KooW". The same format as @cell/sdk's peer-key, checked here
// without depending on the SDK.
const PREFIX = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
const LENGTH = PREFIX.length + 32;

/** True when `text` is an Ed25519 libp2p peer id ("12D3KooW..."). */
export function isPeerId(text: string): boolean {
  let bytes: Uint8Array;
  try {
    bytes = base58btc.baseDecode(text);
  } catch {
    return false;
  }
  return bytes.length === LENGTH && PREFIX.every((b, i) => bytes[i] === b);
}

/** Why `value` is not a node key (an Ed25519 peer id, or `"*"` when `allowAny`), or undefined when it is one. */
export function peerIdProblem(value: unknown, allowAny: boolean): string | undefined {
  if (typeof value === 'string' && ((allowAny && value === '*') || isPeerId(value))) return undefined;
  const shown = typeof value === 'string' ? `"${value}"` : `a ${typeof value}`;
  return `${shown} is not a node key; expected an Ed25519 peer id like "12D3KooW..." (\`cell id\` prints a node's)${allowAny ? ' or "*" for any node' : ''}`;
}
