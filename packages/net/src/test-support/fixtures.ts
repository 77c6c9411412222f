import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NetworkConfig } from '@cell/config';
import { createLogger, type Logger } from '@cell/sdk';

/** A `[network]` table on loopback with ports picked by the OS and no multicast discovery. */
export function loopbackConfig(overrides: Partial<NetworkConfig> = {}): NetworkConfig {
  const defaults = {
    listen: { host: '127.0.0.1', port: 0 },
    p2p: { host: '127.0.0.1', port: 0 },
    bootstrap: [],
    discovery: ['gossip'],
    trustedKeys: [],
    allowedKeys: [],
    announceEveryMs: 10_000,
  };
  // Asserted rather than annotated: `[network]` is gaining keys, and every default here is empty.
  return { ...defaults, ...overrides } as NetworkConfig;
}

/** A fresh temporary directory; `remove` deletes it (register it as teardown first). */
export function tempDir(prefix = 'cell-net-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The TLS credentials of a node identity, as cells and directories use them. */
export { axonCredentials as credentialsOf } from '../identity.ts';

/** A logger that keeps its JSON lines in memory (to assert on what a module logged). */
export function memoryLogger(): { log: Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (s: string) => void chunks.push(s) } });
  return { log, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** A logger that drops everything. */
export const quietLogger: Logger = createLogger({ level: 'silent' });

/** Polls `check` every 50 ms until it returns a value other than undefined; fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
