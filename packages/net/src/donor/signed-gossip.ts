import { sign } from 'node:crypto';
import type { TSchema } from 'typebox';
import type { Validator } from 'typebox/compile';
import { canonicalJson, verifyEd25519 } from '@cell/publish';
import { isPeerId, keyFromPeerId } from '@cell/wire';
import type { NodeIdentity } from '../identity.ts';

/** Gossip messages larger than this are dropped unread. */
const MAX_BYTES = 64 * 1024;

/** What every signed gossip message carries: the node that sent it, and its signature. */
export interface Signed {
  node: string;
  signature: string;
}

function signedBytes(domain: string, body: Record<string, unknown>): Buffer {
  const { signature: _signature, ...rest } = body;
  return Buffer.from(domain + canonicalJson(rest));
}

/** `body` signed by this node (Ed25519 over its canonical JSON, prefixed by `domain`), encoded for gossip. */
export function encodeSigned(identity: NodeIdentity, domain: string, body: Record<string, unknown>): Uint8Array {
  const withNode = { ...body, node: identity.peerId };
  const signature = sign(null, signedBytes(domain, withNode), identity.keyPem).toString('base64url');
  return Buffer.from(JSON.stringify({ ...withNode, signature }));
}

/** The message in `data` when it is well-formed and signed by the node it names; otherwise undefined (peers may send garbage). */
export function parseSigned<T extends Signed>(data: Uint8Array, domain: string, checker: Validator<Record<string, never>, TSchema>): T | undefined {
  if (data.byteLength > MAX_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!checker.Check(value)) return undefined;
  const m = value as T;
  if (!isPeerId(m.node)) return undefined;
  return verifyEd25519(keyFromPeerId(m.node), signedBytes(domain, m as unknown as Record<string, unknown>), Buffer.from(m.signature, 'base64url')) ? m : undefined;
}
