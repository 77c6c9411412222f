import { cellHome } from '@cell/host';
import { loadNet } from '../network-package.ts';

/**
 * `cell id`: this node's address — its Ed25519 public key as a peer id — created on first use
 * in `CELL_HOME` (default ~/.cell), kept with mode 0600. Other nodes list it in `allowed_keys`.
 */
export async function idCommand(): Promise<{ node: string; file: string; home: string }> {
  // The network package (libp2p) loads only for commands that need it, and is optional.
  const { loadOrCreateIdentity } = await loadNet('cell id');
  const identity = await loadOrCreateIdentity();
  return { node: identity.peerId, file: identity.file, home: cellHome() };
}
