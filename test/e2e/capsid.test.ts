// A hostile cell in a capsid, with real processes, a real cgroup and a real second network
// namespace: every attempt fails, and the donor (this process) and a neighbouring capsid keep serving.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@cell/sdk';
import type { CapsidHost, CapsidProcess } from '@cell/runtime';
import { capsidSkipReason, testCapsidHost } from '../../packages/runtime/src/capsid/test-support/capsid-fixture.ts';
import { probeContract, writeProbeCell } from '../../packages/runtime/src/capsid/test-support/probe-cell.ts';
import { useTeardown } from '../../packages/runtime/src/test-fixtures/temp-cells.ts';
import { PeerNamespace, peerNamespaceUnavailable } from './netns-peer.ts';

const MiB = 2 ** 20;
const PIDS = 48;
const defer = useTeardown('all');
const skip = capsidSkipReason();

/** Connects to `port` on `host` from this (the donor's) network namespace. */
function reachableFromHost(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host, port }, () => undefined);
    let text = '';
    s.on('data', (d: Buffer) => (text += String(d)));
    s.once('end', () => resolve(text || 'connected'));
    s.once('error', reject);
  });
}

describe.skipIf(skip !== undefined)('a hostile cell in a capsid', () => {
  let host: CapsidHost;
  let root: string;
  let code: string;
  let hostile: CapsidProcess;
  let neighbour: CapsidProcess;
  const start = async (name: string, resources: { memoryBytes: number; cpu: number; pids: number }) => {
    const capsid = await host.run({ cell: 'probe', replica: name, codeDir: code, dataDir: join(root, 'data', name), socket: join(root, 'run', `${name}.sock`), resources });
    defer(() => capsid.kill());
    capsid.stdout.resume();
    await capsid.ready;
    const client = connect(probeContract, { socketPath: join(root, 'run', `${name}.sock`), timeoutMs: 10_000 });
    defer(() => client.$close());
    return { capsid, client };
  };
  let attacker: Awaited<ReturnType<typeof start>>['client'];
  let bystander: Awaited<ReturnType<typeof start>>['client'];

  beforeAll(async () => {
    ({ host, root } = testCapsidHost(defer));
    code = join(root, 'code');
    await writeProbeCell(code);
    ({ capsid: hostile, client: attacker } = await start('hostile-0', { memoryBytes: 128 * MiB, cpu: 0.5, pids: PIDS }));
    ({ capsid: neighbour, client: bystander } = await start('neighbour-0', { memoryBytes: 128 * MiB, cpu: 0.5, pids: PIDS }));
  }, 60_000);
  afterAll(async () => {
    expect(neighbour?.isRunning).toBe(true);
  });

  /** What must hold after every attempt: the attacker, its neighbour and the donor still serve. */
  async function stillServing(): Promise<void> {
    expect(await bystander.echo({ text: 'still here' })).toEqual({ text: 'still here' });
    expect(spawnSync('true').status).toBe(0);
  }

  it('cannot read the host: /root, /etc, the donor\'s files beside its capsid, its own code\'s host path', async () => {
    expect(existsSync('/root')).toBe(true);
    writeFileSync(join(root, 'secret.txt'), 'the donor\'s');
    for (const path of ['/root', '/etc/passwd', '/home', join(root, 'secret.txt'), code, '/sys/fs/cgroup', '/run']) {
      expect(await attacker.read({ path }), path).toMatchObject({ ok: false, code: 'ENOENT' });
    }
    expect(await attacker.read({ path: '/cell/src/main.ts' })).toMatchObject({ ok: true }); // its own code, read-only
    await stillServing();
  });

  it('cannot write outside its data directory', async () => {
    for (const path of ['/cell/evil.js', '/usr/evil', '/evil', '/opt/cell/bin/evil']) {
      expect(await attacker.write({ path }), path).toMatchObject({ ok: false, code: 'EROFS' });
    }
    expect(await attacker.write({ path: '/etc/evil' })).toMatchObject({ ok: false, code: 'ENOENT' });
    expect(await attacker.write({ path: '/proc/sys/kernel/hostname' })).toMatchObject({ ok: false, code: 'EACCES' }); // the kernel's knobs belong to the host's root
    expect(await attacker.write({ path: '/data/mine.txt' })).toMatchObject({ ok: true });
    expect(await attacker.write({ path: '/tmp/scratch' })).toMatchObject({ ok: true }); // private tmpfs, gone with it
    expect(readdirSync(code).sort()).toEqual(['.cell', 'src']);
    expect(readdirSync(join(root, 'data', 'hostile-0'))).toEqual(['mine.txt']);
    await stillServing();
  });

  it('cannot open a TCP connection to a listener on the donor\'s loopback', async () => {
    let accepted = 0;
    const server: Server = createServer((s) => {
      accepted++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    defer(() => new Promise((r) => server.close(r)));
    const port = (server.address() as { port: number }).port;
    expect(await reachableFromHost('127.0.0.1', port)).toBe('connected'); // the listener works
    expect(await attacker.connectTcp({ host: '127.0.0.1', port })).toMatchObject({ ok: false, code: 'ECONNREFUSED' }); // its own, empty loopback
    expect(await attacker.connectTcp({ host: '::1', port })).toMatchObject({ ok: false });
    expect(accepted).toBe(1); // only the host's own check
    await stillServing();
  });

  describe.skipIf(peerNamespaceUnavailable() !== undefined)('with another network namespace', () => {
    it('cannot reach another namespace the donor reaches', async () => {
      const peer = new PeerNamespace();
      defer(() => peer.destroy());
      const port = await peer.listen();
      expect(await reachableFromHost(peer.peerIp, port)).toBe('peer');
      expect(await attacker.connectTcp({ host: peer.peerIp, port })).toMatchObject({ ok: false, code: 'ENETUNREACH' });
      expect(await attacker.connectTcp({ host: peer.hostIp, port })).toMatchObject({ ok: false, code: 'ENETUNREACH' }); // nor the donor's side of the link
      await stillServing();
    });
  });

  it('cannot start more tasks than its pids limit', async () => {
    const r = await attacker.spawnMany({ count: 1000 });
    expect(r.code).toBe('EAGAIN');
    expect(r.started).toBeGreaterThan(0);
    expect(r.started).toBeLessThan(PIDS);
    expect(await attacker.echo({ text: 'after' })).toEqual({ text: 'after' });
    await stillServing();
  });

  it('a fork bomb stays inside its pids limit, and the capsid dies whole', async () => {
    expect(await attacker.forkBomb({})).toMatchObject({ ok: true });
    for (let i = 0; i < 3000 && hostile.processCount() < PIDS / 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(hostile.processCount()).toBeGreaterThanOrEqual(PIDS / 2); // it is bombing
    for (let i = 0; i < 5; i++) {
      expect(hostile.processCount()).toBeLessThanOrEqual(PIDS);
      await stillServing();
    }
    const exit = await hostile.kill();
    expect(exit).toMatchObject({ requested: true, oomKilled: false });
    expect(hostile.processCount()).toBe(0);
  });

  it('over its memory limit, it is killed and reported as OOM, and its neighbour keeps serving', async () => {
    const { capsid, client } = await start('hungry-0', { memoryBytes: 96 * MiB, cpu: 1, pids: PIDS });
    const call = client.allocate.try({ mb: 400 });
    const exit = await capsid.exited;
    expect(exit).toMatchObject({ oomKilled: true, requested: false, code: 128 + 9 });
    expect((await call).ok).toBe(false);
    expect(capsid.processCount()).toBe(0);
    await stillServing();
  });
});
