import { type CapsidContext, emptied, enforcedLimits, procsFiles } from './capsid-context.ts';
import type { CapsidNetwork } from './capsid-network.ts';
import { HTTP_GET, HTTP_PROBE_MS } from './capsid-readiness.ts';
import { spawnWrapped } from './sandbox-spawn.ts';

/** What the probes of one capsid may use together: they never count against the cell's own limits. */
const PROBE_RESOURCES = { memoryBytes: 128 * 2 ** 20, cpu: 0.25, pids: 32 };

/**
 * HTTP GETs from inside a capsid network: each a short-lived `node` (the host's, with nothing of
 * the host's environment) that enters the network, drops to the sandbox uid, and runs in a cgroup
 * of the probes' own (a quarter of a core, 128 MiB): a cell that never becomes ready costs its
 * donor no more than that while its ready timeout runs.
 */
export function httpProber(ctx: CapsidContext, replica: string, network: CapsidNetwork): { get(url: string): Promise<boolean>; close(): void } {
  let limits: ReturnType<typeof enforcedLimits> | undefined;
  let inFlight: Promise<boolean> = Promise.resolve(false);
  let closed = false;
  const get = (url: string): Promise<boolean> => {
    if (closed) return Promise.resolve(false);
    let netnsFd: number;
    try {
      netnsFd = network.fd;
    } catch {
      return Promise.resolve(false); // the network is closed: nothing to probe
    }
    limits ??= enforcedLimits(ctx, `${replica}.probe`, PROBE_RESOURCES);
    const child = spawnWrapped(
      { command: [ctx.nodePath, '-e', HTTP_GET, '--', url], cgroupProcs: procsFiles(limits), dropTo: ctx.dropTo, netnsFd, stdio: ['ignore', 'ignore', 'ignore'] },
      HTTP_PROBE_MS + 1000,
    );
    inFlight = new Promise<boolean>((resolve) => {
      child.once('error', () => resolve(false));
      child.once('exit', (code) => resolve(code === 0));
    });
    return inFlight;
  };
  const close = () => {
    closed = true;
    const held = limits;
    if (held) void inFlight.then(() => emptied(held)).then(() => held.release());
  };
  return { get, close };
}
