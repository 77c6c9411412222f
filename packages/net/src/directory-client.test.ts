import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Membrane, serve } from '@cell/sdk';
import { DirectoryClient } from './directory-client.ts';
import { loadOrCreateIdentity, type NodeIdentity } from './identity.ts';
import { nodeContract, nodeDirectoryContract } from './node-contract.ts';
import { credentialsOf, memoryLogger, quietLogger, tempDir, waitFor } from './test-support/fixtures.ts';

/** A TCP port that accepts and at once hangs up: a dead directory that fails fast. */
function hangUpServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.destroy());
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

describe('DirectoryClient', () => {
  const dir = tempDir('cell-directory-');
  let server: NodeIdentity;
  let client: NodeIdentity;
  let stranger: NodeIdentity;
  let membrane: Membrane<typeof nodeDirectoryContract>;
  let address: string;
  let dead: { server: Server; port: number };
  const asked: Array<{ name: string; major: number | null }> = [];
  const clients: DirectoryClient[] = [];
  const newClient = (log = quietLogger) => {
    const c = new DirectoryClient(credentialsOf(client), log);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    [server, client, stranger] = (await Promise.all(['server', 'client', 'stranger'].map((n) => loadOrCreateIdentity(join(dir.path, n))))) as [NodeIdentity, NodeIdentity, NodeIdentity];
    dead = await hangUpServer();
    membrane = await serve(
      nodeDirectoryContract,
      {
        info: () => ({ node: server.peerId, cells: [] }),
        resolve: ({ name, major }) => {
          asked.push({ name, major });
          if (name !== 'stock') return { candidates: [] };
          return {
            candidates: [
              { node: server.peerId, host: '127.0.0.1', port: 41001, version: '1.2.0', fingerprint: 'fp-stock' },
              // A directory speaks for its own node only: this one must be dropped by the asker.
              { node: stranger.peerId, host: '10.6.6.6', port: 41002, version: '1.2.0', fingerprint: 'fp-forged' },
            ],
          };
        },
        spans: ({ trace }) => ({ spans: trace === 'ab'.repeat(16) ? [{ trace, span: '00000000000000aa', method: 'take', start: 1, durationMs: 2, outcome: 'ok', cell: 'stock', replica: 'stock-0' }] : [] }),
      },
      { socketPath: join(dir.path, 'run', 'node.sock'), axon: { host: '127.0.0.1', port: 0, credentials: credentialsOf(server), allowedKeys: 'any' } },
    );
    address = `127.0.0.1:${membrane.axonPort}`;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await membrane?.stop({ graceMs: 0 });
    await new Promise((r) => dead?.server.close(r));
    dir.remove();
  });

  it('asks a directory pinned to its node key, and keeps only candidates of that node', async () => {
    const candidates = await newClient().ask(server.peerId, [address], 'stock', 1);
    expect(candidates).toEqual([{ node: server.peerId, host: '127.0.0.1', port: 41001, version: '1.2.0', fingerprint: 'fp-stock' }]);
    expect(asked.at(-1)).toEqual({ name: 'stock', major: 1 });
    expect(membrane.axonConnections).toBeGreaterThanOrEqual(1); // callers from other nodes are counted apart
    expect(membrane.axonConnections).toBeLessThanOrEqual(membrane.connections);
  });

  it("asks a node for the spans its cells keep of a trace, marking them as that node's", async () => {
    expect(await newClient().spans(server.peerId, [address], 'ab'.repeat(16))).toEqual([{ trace: 'ab'.repeat(16), span: '00000000000000aa', method: 'take', start: 1, durationMs: 2, outcome: 'ok', cell: 'stock', replica: 'stock-0', recordedBy: server.peerId }]);
    expect(await newClient().spans(server.peerId, [address], 'cd'.repeat(16))).toEqual([]);
    expect(await newClient().spans(stranger.peerId, [address], 'ab'.repeat(16))).toEqual([]); // an impostor's directory is never asked
  });

  it('still resolves through a directory of an older release (no trace question), which answers no spans', async () => {
    const old = await serve(
      nodeContract,
      { info: () => ({ node: server.peerId, cells: [] }), resolve: () => ({ candidates: [{ node: server.peerId, host: '127.0.0.1', port: 41009, version: '1.0.0', fingerprint: 'fp' }] }) },
      { socketPath: join(dir.path, 'run', 'old-node.sock'), axon: { host: '127.0.0.1', port: 0, credentials: credentialsOf(server), allowedKeys: 'any' } },
    );
    try {
      const oldAddress = `127.0.0.1:${old.axonPort}`;
      const c = newClient();
      expect(await c.spans(server.peerId, [oldAddress], 'ab'.repeat(16))).toEqual([]);
      expect((await c.ask(server.peerId, [oldAddress], 'stock', null)).map((x) => x.port)).toEqual([41009]);
    } finally {
      await old.stop({ graceMs: 0 });
    }
  });

  it('trusts the key presented on first use when no node is pinned, and still filters by it', async () => {
    const candidates = await newClient().ask(undefined, [address], 'stock', null);
    expect(candidates.map((c) => c.node)).toEqual([server.peerId]);
    expect(asked.at(-1)).toEqual({ name: 'stock', major: null });
  });

  it('answers nothing, without throwing, when the directory holds another key than the pinned one', async () => {
    const { log, lines } = memoryLogger();
    const before = asked.length;
    await expect(newClient(log).ask(stranger.peerId, [address], 'stock', 1)).resolves.toEqual([]);
    expect(asked.length, 'the impostor was never asked').toBe(before);
    expect(lines().some((l) => l['msg'] === 'directory did not answer' && (l['err'] as { code?: string } | undefined)?.code === 'CELL_E_DENIED')).toBe(true);
  });

  it('answers nothing when no address answers', async () => {
    await expect(newClient().ask(server.peerId, [`127.0.0.1:${dead.port}`], 'stock', 1)).resolves.toEqual([]);
    await expect(newClient().ask(server.peerId, [], 'stock', 1)).resolves.toEqual([]);
  });

  it('tries the next address of a node when one does not answer', async () => {
    const candidates = await newClient().ask(server.peerId, [`127.0.0.1:${dead.port}`, address], 'stock', 1);
    expect(candidates.map((c) => c.fingerprint)).toEqual(['fp-stock']);
  });

  it('returns an empty list for a cell the node does not serve', async () => {
    await expect(newClient().ask(server.peerId, [address], 'nothing', 3)).resolves.toEqual([]);
    expect(asked.at(-1)).toEqual({ name: 'nothing', major: 3 });
  });

  it('keeps one connection per directory across questions, and opens a new one after close', async () => {
    await Promise.all(clients.map((c) => c.close()));
    await waitFor(() => (membrane.connections === 0 ? true : undefined), 'earlier connections to close');
    const c = newClient();
    const first = await c.ask(server.peerId, [address], 'stock', 1);
    const second = await c.ask(undefined, [address], 'stock', 1);
    const third = await c.ask(server.peerId, [address], 'stock', 1);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    // One for the pinned key, one for trust on first use: they are different directories to ask.
    expect(membrane.connections).toBe(2);
    await c.close();
    await waitFor(() => (membrane.connections === 0 ? true : undefined), 'the closed connections to end');
    await expect(c.ask(server.peerId, [address], 'stock', 1)).resolves.toEqual(first);
    expect(membrane.connections).toBe(1);
  });
});
