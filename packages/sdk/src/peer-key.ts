import { CellError } from '@cell/protocol';

// A node's address is its Ed25519 public key, written the way libp2p writes peer ids (base58btc
// of an identity multihash of the protobuf-encoded key: "12D3KooW..."), so one string names a
// node in cell.toml, in `cell id`, in logs and on the libp2p network alike.

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** identity multihash (0x00, length 36) + protobuf { type: Ed25519 (1), data: 32 bytes } */
const PREFIX = Buffer.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20]);

function base58(bytes: Uint8Array): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)]! + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

function unbase58(text: string): Buffer | undefined {
  let n = 0n;
  for (const c of text) {
    const v = ALPHABET.indexOf(c);
    if (v < 0) return undefined;
    n = n * 58n + BigInt(v);
  }
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const zeros = /^1*/.exec(text)![0].length;
  return Buffer.concat([Buffer.alloc(zeros), Buffer.from(n === 0n ? '' : hex, 'hex')]);
}

/** The peer id ("12D3KooW...") of a raw 32-byte Ed25519 public key. */
export function peerIdFromKey(raw: Uint8Array): string {
  if (raw.length !== 32) throw new CellError('CELL_E_INVALID_ARGUMENT', 'an Ed25519 public key has 32 bytes');
  return base58(Buffer.concat([PREFIX, raw]));
}

/** The raw 32-byte Ed25519 public key of a peer id; throws CELL_E_INVALID_ARGUMENT for anything else. */
export function keyFromPeerId(peerId: string): Buffer {
  const bytes = unbase58(peerId.trim());
  if (!bytes || bytes.length !== 38 || !bytes.subarray(0, 6).equals(PREFIX)) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `"${peerId}" is not a node key (an Ed25519 peer id such as 12D3KooW...)`);
  }
  return bytes.subarray(6);
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
