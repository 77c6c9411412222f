import { chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCellTree } from '@cell/config';
import { createAuthor, npmTarballs, publishTree } from '@cell/publish';
import { type CapsidHost, createCapsidHost } from '@cell/runtime';
import { connectDynamic, type DynamicSynapse } from '@cell/sdk';
import { axonCredentials, loadOrCreateIdentity, type NodeIdentity } from '../identity.ts';
import { type P2pNode, startP2pNode } from '../p2p-node.ts';
import { loopbackConfig, memoryLogger, tempDir, waitFor } from '../test-support/fixtures.ts';
import { TreePlacement } from './tree-placement.ts';

/** A tree whose probe cell tries what a hostile cell would (160 MB memory limit). */
const PROBE_TREE = fileURLToPath(new URL('../../../../test/fixtures/probe-tree/', import.meta.url));
type Attempt = { ok: boolean; code?: string };

describe('a published tree placed on a donor (built and run in capsids, reached through relays)', () => {
  const dir = tempDir('cell-placement-');
  const { log, lines } = memoryLogger();
  let node: P2pNode;
  let capsids: CapsidHost;
  let donorId: NodeIdentity;
  let callerId: NodeIdentity;
  let placement: TreePlacement;
  let hostService: Server;
  let probe: DynamicSynapse;

  beforeAll(async () => {
    chmodSync(dir.path, 0o711); // the sandbox uid passes through to the placement
    const author = await createAuthor({ home: join(dir.path, 'author'), name: 'Probe Author', contact: 'probe@example.org' });
    donorId = await loadOrCreateIdentity(join(dir.path, 'donor-home'));
    callerId = await loadOrCreateIdentity(join(dir.path, 'caller-home'));
    node = await startP2pNode(donorId, loopbackConfig({ discovery: [] as never }), { storeDir: join(dir.path, 'content') });
    const published = await publishTree({ tree: loadCellTree(PROBE_TREE), author, blockstore: node.content.blockstore, tarballs: npmTarballs() });
    capsids = createCapsidHost({ root: join(dir.path, 'capsids') });
    placement = await TreePlacement.start(
      { capsids, content: node.content, credentials: axonCredentials(donorId), relayHost: '127.0.0.1', allowedKeys: [callerId.publicKey], allowScripts: false, log },
      published.manifest,
      published.cid.toString(),
      join(dir.path, 'placements'),
    );
    // A service on the host the cell must not reach.
    hostService = createServer((s) => s.end());
    await new Promise<void>((r) => hostService.listen(0, '127.0.0.1', r));
    const port = placement.servedCells().find((c) => c.name === 'probe')!.ports[0]!;
    probe = connectDynamic({ axon: { host: '127.0.0.1', port, key: donorId.peerId }, credentials: axonCredentials(callerId), timeoutMs: 20_000 });
  }, 240_000);

  afterAll(async () => {
    await probe?.$close();
    await placement?.stop(1000);
    capsids?.close();
    hostService?.close();
    await node?.stop();
    dir.remove();
  });

  it('runs the cell as the unprivileged sandbox uid, called by a trusted node through the relay', async () => {
    const me = (await probe.call('whoami', {})) as { uid: number; cwd: string; home: string };
    expect(me.uid).toBe(capsids.uid);
    expect(me).toMatchObject({ cwd: '/cell', home: '/cell/data' });
    expect(placement.status()).toEqual([
      expect.objectContaining({ cell: 'web', state: 'ready', restarts: 0 }),
      expect.objectContaining({ cell: 'web', state: 'ready', restarts: 0 }),
      expect.objectContaining({ cell: 'probe', state: 'ready', restarts: 0 }),
    ]);
  });

  it("runs a process cell, built by its own command, that its dependents reach on the placement's network and other nodes never see", async () => {
    expect(placement.servedCells().map((c) => c.name)).toEqual(['probe']);
    const addrs = ((await probe.call('env', { name: 'CELL_DEP_WEB_ADDRS' })) as { value?: string }).value!.split(',');
    expect(addrs).toHaveLength(2);
    expect(await probe.call('env', { name: 'CELL_DEP_WEB_URL' })).toEqual({ value: `tcp://${addrs[0]}` });
    for (const [i, addr] of addrs.entries()) {
      const got = (await probe.call('httpGet', { url: `http://${addr}/` })) as Attempt & { text?: string };
      expect(got).toMatchObject({ ok: true, text: `200 hello from ${TreePlacement.dirName(placement.cid)}.web-${i} on ${addr.split(':')[1]}; built in a capsid` });
    }
    expect(placement.artifacts['web']).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses what a hostile cell tries — the host's /root, TCP to the host, writing outside its data — and lets it write its data", async () => {
    const root = (await probe.call('read', { path: '/root' })) as Attempt;
    expect(root.ok).toBe(false);
    const tcp = (await probe.call('connectTcp', { host: '127.0.0.1', port: (hostService.address() as { port: number }).port })) as Attempt;
    expect(tcp).toMatchObject({ ok: false, code: 'ECONNREFUSED' }); // its own loopback: nothing of the host's listens there
    expect(((await probe.call('write', { path: '/cell/src/main.ts' })) as Attempt).code).toBe('EROFS');
    expect(((await probe.call('write', { path: '/etc/evil' })) as Attempt).ok).toBe(false);
    expect(await probe.call('write', { path: '/cell/data/state' })).toMatchObject({ ok: true });
  });

  it('contains a fork bomb in its task limit and keeps serving', async () => {
    await probe.call('forkBomb', {});
    const spawned = (await probe.call('spawnMany', { count: 1000 })) as { started: number; code?: string };
    expect(spawned.started).toBeLessThan(256);
    expect(await probe.call('echo', { text: 'still here' })).toEqual({ text: 'still here' });
  });

  it('kills a replica over its memory limit, reports it, restarts it, and serves again', async () => {
    await expect(probe.call('allocate', { mb: 400 }, { timeoutMs: 20_000 })).rejects.toMatchObject({ code: expect.stringMatching(/^CELL_E_(UNAVAILABLE|TIMEOUT)$/) });
    const probeStatus = () => placement.status().find((r) => r.cell === 'probe')!;
    await waitFor(() => (probeStatus().restarts >= 1 && probeStatus().state === 'ready' ? true : undefined), 'the replica to restart', 60_000);
    expect(probeStatus()).toMatchObject({ oomKilled: true });
    expect(lines().some((l) => l['msg'] === 'placed replica went over its memory limit and was killed; restarting' && l['oomKilled'] === true)).toBe(true);
    await waitFor(async () => ((await probe.call('echo', { text: 'back' }).catch(() => undefined)) ? true : undefined), 'the restarted replica to answer', 30_000);
  });
});
