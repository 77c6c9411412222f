// Shared by the capsid tests (and the e2e containment test): a capsid host under a temporary
// root, and the one rule for machines without a sandbox.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CapsidHost, createCapsidHost, DEFAULT_SANDBOX_UID } from '../capsid-host.ts';
import { probeCapsid } from '../capsid-probe.ts';

/**
 * Why capsid tests are skipped here, or undefined when they run. They are skipped only when
 * the machine cannot sandbox AND `CELL_ALLOW_NO_SANDBOX=1` says that is acceptable (a laptop
 * without bubblewrap); otherwise a missing sandbox fails every capsid test with its reasons.
 */
export function capsidSkipReason(): string | undefined {
  if (process.env['CELL_ALLOW_NO_SANDBOX'] !== '1') return undefined;
  const isRoot = process.getuid?.() === 0;
  const uid = isRoot ? DEFAULT_SANDBOX_UID : (process.getuid?.() ?? 0);
  const gid = isRoot ? DEFAULT_SANDBOX_UID : (process.getgid?.() ?? 0);
  const probe = probeCapsid({ uid, gid, nodePath: process.execPath });
  return probe.ok ? undefined : probe.reasons.join('; ');
}

/** A temporary root the sandbox uid can pass through (0711), removed by `defer`. */
export function capsidRoot(defer: (fn: () => unknown) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'capsid-'));
  chmodSync(root, 0o711);
  defer(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** A capsid host on a temporary root; its cgroups and files removed by `defer`. */
export function testCapsidHost(defer: (fn: () => unknown) => void): { host: CapsidHost; root: string } {
  const root = capsidRoot(defer);
  const host = createCapsidHost({ root: join(root, 'capsids') });
  defer(() => host.close());
  return { host, root };
}
