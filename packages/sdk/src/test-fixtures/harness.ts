import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type Membrane } from '../membrane.ts';
import type { ConnectOptions, ServeOptions } from '../options.ts';
import { connect, type Synapse } from '../synapse.ts';
import { echoContract } from './echo-contract.ts';
import { echoHandlers } from './echo-handlers.ts';

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix = 'cell-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface EchoHarness {
  socketPath: string;
  membrane: Membrane<typeof echoContract>;
  client(options?: Partial<ConnectOptions>): Synapse<typeof echoContract>;
  close(): Promise<void>;
}

/** Serves the echo contract on a temporary socket; `close` stops everything it made. */
export async function startEcho(options: Partial<ServeOptions> = {}): Promise<EchoHarness> {
  const tmp = tempDir();
  const socketPath = join(tmp.dir, 'echo.sock');
  const membrane: Membrane<typeof echoContract> = await serve(echoContract, echoHandlers(() => membrane), { socketPath, ...options });
  const clients: Array<Synapse<typeof echoContract>> = [];
  return {
    socketPath,
    membrane,
    client(opts = {}) {
      const c = connect(echoContract, { socketPath, ...opts });
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.$close()));
      await membrane.stop({ graceMs: 100 });
      tmp.remove();
    },
  };
}

/** Polls `predicate` until true, failing after `timeoutMs` (tests bound every wait). */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
