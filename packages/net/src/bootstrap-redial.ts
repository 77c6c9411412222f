import { multiaddr } from '@multiformats/multiaddr';
import type { ControlPlane } from './control-plane.ts';

/** How often bootstrap peers this node is not connected to are dialled again. */
const REDIAL_MS = 3000;

/**
 * Dials the bootstrap peers this node is not connected to, every few seconds: libp2p's bootstrap
 * discovery tries them once at start, so a peer that was down then (a publisher started after its
 * donors) would never be found. Returns the function that stops it.
 */
export function redialBootstrap(p2p: Pick<ControlPlane, 'getPeers' | 'dial'>, addresses: readonly string[], everyMs = REDIAL_MS): () => void {
  if (addresses.length === 0) return () => undefined;
  const targets = addresses.map((a) => {
    const ma = multiaddr(a);
    return { ma, peer: ma.getComponents().find((c) => c.name === 'p2p')?.value };
  });
  const timer = setInterval(() => {
    const connected = new Set(p2p.getPeers().map(String));
    for (const t of targets) {
      if (t.peer && connected.has(t.peer)) continue;
      p2p.dial(t.ma, { signal: AbortSignal.timeout(everyMs) }).catch(() => undefined);
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
