import { base58btc } from 'multiformats/bases/base58';
import { CellError } from '@cell/protocol';

// A node's address is its Ed25519 public key, written the way libp2p writes peer ids (base58btc
// of an identity multihash of the protobuf-encoded key: "12D3KooW..."), so one string names a
// node in cell.toml, in `cell id`, in logs and on the libp2p network alike.

/** identity multihash (0x00, length 36) + protobuf { type: Ed25519 (1), data: 32 bytes } */
const PREFIX = Buffer.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20]);

/** The peer id ("12D3KooW...") of a raw 32-byte Ed25519 public key. */
export function peerIdFromKey(raw: Uint8Array): string {
  if (raw.length !== 32) throw new CellError('CELL_E_INVALID_ARGUMENT', 'an Ed25519 public key has 32 bytes');
  // A peer id is base58btc without the multibase prefix letter.
  return base58btc.baseEncode(Buffer.concat([PREFIX, raw]));
}

/** The raw 32-byte Ed25519 public key of a peer id; throws CELL_E_INVALID_ARGUMENT for anything else. */
export function keyFromPeerId(peerId: string): Buffer {
  let bytes: Uint8Array | undefined;
  try {
    bytes = base58btc.baseDecode(peerId.trim());
  } catch {
    bytes = undefined;
  }
  if (!bytes || bytes.length !== 38 || !PREFIX.equals(bytes.subarray(0, 6))) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `"${peerId}" is not a node key (an Ed25519 peer id such as 12D3KooW...)`);
  }
  return Buffer.from(bytes.subarray(6));
}

/** True when `text` is a valid node key. */
export function isPeerId(text: string): boolean {
  try {
    keyFromPeerId(text);
    return true;
  } catch {
    return false;
  }
}
