import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cellToml, plainCell, tempTree, useTeardown } from '../test-fixtures/temp-cells.ts';
import { clearStaleSocket, createSlots, socketPathProblem } from './replica-slot.ts';

const defer = useTeardown();

describe('createSlots', () => {
  it('makes one stopped slot per replica, each with its own socket in run/', () => {
    const tree = tempTree(defer, { ...plainCell('.', 'inventory', 'replicas = 3') });
    const slots = createSlots(tree.root);
    expect(slots.map((s) => [s.index, s.id, s.socket])).toEqual([0, 1, 2].map((i) => [i, `inventory-${i}`, join(tree.root.dir, 'run', `inventory-${i}.sock`)]));
    for (const s of slots) {
      expect(s).toMatchObject({ state: 'stopped', current: undefined, restarts: 0, lastExit: null, log: undefined, generation: 0, restartTimer: undefined, failure: undefined });
    }
  });

  it('takes the replicas a consumer asks for when that is more than the cell\'s own', () => {
    const tree = tempTree(defer, {
      'cell.toml': cellToml('root', { entry: false }),
      ...plainCell('cells/api', 'api', '[deps]\nstore = { path = "../store", replicas = 2 }'),
      ...plainCell('cells/store', 'store'),
    });
    expect(createSlots(tree.nodes.find((n) => n.name === 'store')!).map((s) => s.id)).toEqual(['store-0', 'store-1']);
  });

  it('gives each slot its own restart tracker following the cell\'s restart policy', () => {
    const tree = tempTree(defer, { ...plainCell('.', 'flaky', 'replicas = 2\n[life_cycle]\nrestart = { max = 1, within = "10s", backoff = "30ms..90ms" }') });
    const [a, b] = createSlots(tree.root);
    expect(a!.tracker.onCrash(0)).toEqual({ restart: true, delayMs: 30 });
    expect(a!.tracker.onCrash(1)).toMatchObject({ restart: false });
    expect(b!.tracker.onCrash(2)).toEqual({ restart: true, delayMs: 30 }); // the other slot's crashes do not count
  });
});

describe('replica sockets', () => {
  it('names a socket path too long for Linux', () => {
    expect(socketPathProblem({ id: 'a-0', socket: `/${'x'.repeat(120)}.sock` })).toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT' });
    expect(socketPathProblem({ id: 'a-0', socket: '/tmp/a-0.sock' })).toBeUndefined();
  });

  it('removes a stale socket file, and refuses one a live process serves', async () => {
    const dir = tempTree(defer, { ...plainCell('.', 'w') }).root.dir;
    const socket = join(dir, 'stale.sock');
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    await expect(clearStaleSocket({ id: 'w-0', socket }, dir)).rejects.toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT' });
    server.close();
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(socket, ''); // what a dead process leaves behind
    await clearStaleSocket({ id: 'w-0', socket }, dir);
    expect(existsSync(socket)).toBe(false);
    await clearStaleSocket({ id: 'w-0', socket: join(dir, 'none.sock') }, dir);
  });
});
