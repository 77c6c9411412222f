import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../test-fixtures/temp-cells.ts';
import { capsidSkipReason, testCapsidHost } from './test-support/capsid-fixture.ts';

const defer = useTeardown();
const resources = { memoryBytes: 128 * 2 ** 20, cpu: 1, pids: 64 };

/** A code directory whose bundle is `source` (no SDK: these cells never serve). */
function codeDir(root: string, source: string): string {
  const dir = join(root, 'code');
  mkdirSync(join(dir, '.cell', 'build'), { recursive: true });
  writeFileSync(join(dir, '.cell', 'build', 'main.mjs'), source);
  return dir;
}

describe.skipIf(capsidSkipReason() !== undefined)('CapsidProcess', () => {
  it('fails to become ready when the cell exits at start, with its stderr and exit status', async () => {
    const { host, root } = testCapsidHost(defer);
    const code = codeDir(root, "console.error('no config, giving up'); process.exit(3);");
    const capsid = await host.run({ cell: 'broken', replica: 'broken-0', codeDir: code, dataDir: join(root, 'data'), socket: join(root, 'run', 'b.sock'), resources });
    defer(() => capsid.kill());
    await expect(capsid.ready).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE', details: { code: 3, oomKilled: false } });
    expect(capsid.recentStderr).toContain('no config, giving up');
    expect(await capsid.exited).toMatchObject({ code: 3, requested: false, unready: false });
  });

  it('is killed, and says so, when it never answers a handshake within its ready timeout', async () => {
    const { host, root } = testCapsidHost(defer);
    const code = codeDir(root, 'setInterval(() => undefined, 1000);');
    const capsid = await host.run({ cell: 'mute', replica: 'mute-0', codeDir: code, dataDir: join(root, 'data'), socket: join(root, 'run', 'm.sock'), resources, readyTimeoutMs: 1000 });
    defer(() => capsid.kill());
    await expect(capsid.ready).rejects.toMatchObject({ code: 'CELL_E_TIMEOUT' });
    expect(await capsid.exited).toMatchObject({ unready: true, signal: 'SIGKILL' });
    expect(capsid.processCount()).toBe(0);
  });

  it('gets SIGKILL after the grace period when it ignores the drain signal', async () => {
    const { host, root } = testCapsidHost(defer);
    const code = codeDir(root, "process.on('SIGTERM', () => undefined); setInterval(() => undefined, 1000); console.log('up');");
    const capsid = await host.run({ cell: 'stubborn', replica: 'stubborn-0', codeDir: code, dataDir: join(root, 'data'), socket: join(root, 'run', 's.sock'), resources, readyTimeoutMs: 60_000 });
    defer(() => capsid.kill());
    capsid.ready.catch(() => undefined);
    await new Promise((r) => capsid.stdout.once('data', r)); // running, handler installed
    const exit = await capsid.drain(100);
    expect(exit).toMatchObject({ requested: true, signal: 'SIGKILL' });
    expect(capsid.processCount()).toBe(0);
  });
});
