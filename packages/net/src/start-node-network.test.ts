import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '@cell/sdk';
import { nodeContract } from './node-contract.ts';
import type { NodeNetwork } from './node-network.ts';
import { joinNetwork } from './start-node-network.ts';
import { loopbackConfig, quietLogger, tempDir } from './test-support/fixtures.ts';

describe('joinNetwork', () => {
  const dir = tempDir('cell-join-');
  const savedHome = process.env['CELL_HOME'];
  const home = join(dir.path, 'home');
  const running: NodeNetwork[] = [];

  beforeEach(() => {
    process.env['CELL_HOME'] = home;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((n) => n.stop()));
    if (savedHome === undefined) delete process.env['CELL_HOME'];
    else process.env['CELL_HOME'] = savedHome;
  });
  afterAll(() => dir.remove());

  it("joins as this machine's node: the identity in CELL_HOME, created on first use and kept", async () => {
    const first = await joinNetwork({ config: loopbackConfig(), root: join(dir.path, 'tree'), log: quietLogger, localCells: () => [] });
    running.push(first);
    expect(first.identityFile).toBe(join(home, 'identity.json'));
    const stored = JSON.parse(readFileSync(first.identityFile, 'utf8')) as { peerId: string };
    expect(first.identity.peerId).toBe(stored.peerId);
    await first.stop();
    running.length = 0;
    const again = await joinNetwork({ config: loopbackConfig(), root: join(dir.path, 'tree'), log: quietLogger, localCells: () => [] });
    running.push(again);
    expect(again.identity.peerId).toBe(stored.peerId);
  });

  it("serves the tree's cells from its context, on the tree's run/ directory", async () => {
    const root = join(dir.path, 'served');
    const network = await joinNetwork({
      config: loopbackConfig(),
      root,
      log: quietLogger,
      localCells: () => [{ name: 'stock', version: '2.0.0', fingerprint: 'fp', ports: [41000, 41001] }],
    });
    running.push(network);
    const directory = connect(nodeContract, { socketPath: join(root, 'run', 'node.sock'), timeoutMs: 10_000 });
    try {
      expect(await directory.info({})).toEqual({ node: network.identity.peerId, cells: [{ name: 'stock', version: '2.0.0', fingerprint: 'fp' }] });
      const { candidates } = await directory.resolve({ name: 'stock', major: 2 });
      expect(candidates.map((c) => c.port)).toEqual([41000, 41001]);
    } finally {
      await directory.$close();
    }
  });

  it('fails with CELL_E_UNAVAILABLE, leaving nothing listening, when the control plane cannot start', async () => {
    const first = await joinNetwork({ config: loopbackConfig(), root: join(dir.path, 'a'), log: quietLogger, localCells: () => [] });
    running.push(first);
    const taken = Number(first.status().p2p[0]!.split('/')[4]);
    const outcome = await joinNetwork({ config: loopbackConfig({ p2p: { host: '127.0.0.1', port: taken } }), root: join(dir.path, 'b'), log: quietLogger, localCells: () => [] }).then(
      (network) => (running.push(network), 'joined'),
      (err: unknown) => err,
    );
    expect(outcome).toMatchObject({ code: 'CELL_E_UNAVAILABLE' });
    // The directory it had already opened is closed again.
    expect(existsSync(join(dir.path, 'b', 'run', 'node.sock'))).toBe(false);
  });
});
