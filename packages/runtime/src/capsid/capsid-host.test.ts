import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect } from '@cell/sdk';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { createCapsidHost, DEFAULT_SANDBOX_UID } from './capsid-host.ts';
import { capsidRoot, capsidSkipReason, testCapsidHost } from './test-support/capsid-fixture.ts';
import { probeContract, writeProbeCell } from './test-support/probe-cell.ts';

const defer = useTeardown();
const MiB = 2 ** 20;
const isRoot = process.getuid?.() === 0;
const resources = { memoryBytes: 256 * MiB, cpu: 1, pids: 64 };

describe('createCapsidHost where the sandbox is missing', () => {
  it('refuses with CELL_E_CAPSID_UNAVAILABLE and every reason, never a half-working host', () => {
    const root = capsidRoot(defer);
    const attempt = () => createCapsidHost({ root, bwrap: join(root, 'no-such-bwrap'), cgroupRoot: tempDir(defer) });
    expect(attempt).toThrow(expect.objectContaining({ code: 'CELL_E_CAPSID_UNAVAILABLE' }));
    try {
      attempt();
    } catch (err) {
      const reasons = (err as { details: { reasons: string[] } }).details.reasons;
      expect(reasons.length).toBeGreaterThanOrEqual(2);
      expect(reasons.some((r) => r.includes('bwrap'))).toBe(true);
      expect(reasons.some((r) => r.includes('cgroup'))).toBe(true);
    }
  });
});

describe.skipIf(capsidSkipReason() !== undefined)('a cell in a capsid', () => {
  it('serves calls through its inherited Unix socket, as an unprivileged uid, in its own namespaces', async () => {
    const { host, root } = testCapsidHost(defer);
    const code = join(root, 'code');
    await writeProbeCell(code);
    const socket = join(root, 'run', 'probe-0.sock');
    const capsid = await host.run({ cell: 'probe', replica: 'probe-0', codeDir: code, dataDir: join(root, 'capsids', 'probe-0'), socket, resources });
    defer(() => capsid.kill());
    capsid.stdout.resume();
    await capsid.ready;
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);

    const client = connect(probeContract, { socketPath: socket });
    defer(() => client.$close());
    expect(await client.echo({ text: 'through the membrane' })).toEqual({ text: 'through the membrane' });
    const me = await client.whoami({});
    expect(me).toMatchObject({ hostname: 'capsid', home: '/data', cwd: '/cell', pid: 2 });
    expect(me.uid).toBe(isRoot ? DEFAULT_SANDBOX_UID : process.getuid!());
    expect(capsid.cellPid()).toEqual(expect.any(Number));

    expect(await client.write({ path: '/data/notes.txt' })).toEqual({ ok: true, text: '' });
    const written = join(root, 'capsids', 'probe-0', 'notes.txt');
    expect(readFileSync(written, 'utf8')).toBe('written by a capsid');
    expect(statSync(written).uid).toBe(host.uid);
  });

  it('drains on request: the cell exits by itself, its socket file is removed, nothing of it is left', async () => {
    const { host, root } = testCapsidHost(defer);
    const code = join(root, 'code');
    await writeProbeCell(code);
    const socket = join(root, 'run', 'probe-0.sock');
    const capsid = await host.run({ cell: 'probe', replica: 'probe-0', codeDir: code, dataDir: join(root, 'data'), socket, resources, env: { CELL_GRACE_MS: '2000' } });
    defer(() => capsid.kill());
    capsid.stdout.resume();
    await capsid.ready;
    const exit = await capsid.drain(2000);
    expect(exit).toMatchObject({ code: 0, signal: null, requested: true, oomKilled: false });
    expect(existsSync(socket)).toBe(false);
    expect(capsid.isRunning).toBe(false);
  });

  it('hands the public socket path over to a new generation only once it answers', async () => {
    const { host, root } = testCapsidHost(defer);
    const code = join(root, 'code');
    await writeProbeCell(code);
    const socket = join(root, 'run', 'probe-0.sock');
    const spec = { cell: 'probe', replica: 'probe-0', codeDir: code, dataDir: join(root, 'data'), socket, resources };
    const first = await host.run(spec);
    defer(() => first.kill());
    first.stdout.resume();
    await first.ready;
    const second = await host.run(spec);
    defer(() => second.kill());
    second.stdout.resume();
    expect(first.socket!.isPublished).toBe(true); // until the second answers
    await second.ready;
    expect(first.socket!.isPublished).toBe(false);
    expect(second.socket!.isPublished).toBe(true);
    await first.drain(1000);
    expect(existsSync(socket)).toBe(true); // the old generation leaves the new one's socket alone
    const client = connect(probeContract, { socketPath: socket });
    defer(() => client.$close());
    expect(await client.echo({ text: 'second' })).toEqual({ text: 'second' });
  });

  it('refuses a code directory the sandbox uid cannot reach, naming the directory in the way', async () => {
    if (!isRoot) return; // as another user every path this process reaches is reachable to its capsids
    const { host } = testCapsidHost(defer);
    const hidden = tempDir(defer); // mkdtemp: 0700, root's
    mkdirSync(join(hidden, 'code'));
    const run = host.run({ cell: 'probe', replica: 'probe-0', codeDir: join(hidden, 'code'), dataDir: join(hidden, 'data'), socket: join(hidden, 'p.sock'), resources });
    await expect(run).rejects.toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT', details: { blocked: hidden } });
  });
});
