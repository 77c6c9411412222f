import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import { TreeStatus } from '@cell/host';
import { ROOT_TOML, runCell, tempTree, useRunningCalcTree } from '../test-support/fixtures.ts';
import { cellStatus, networkStatus, treeStatus } from '../test-support/tree-status.ts';
import { formatStatus, statusCommand } from './status.ts';

const checkStatus = Compile(TreeStatus);

describe('cell status (one running tree)', () => {
  const running = useRunningCalcTree();

  it('is the documented document: every replica with pid, state, socket', async () => {
    const status = await statusCommand(running().root);
    expect([...checkStatus.Errors(status)]).toEqual([]);
    expect(status.root).toBe(running().root);
    const calc = status.cells.find((c) => c.name === 'calc')!;
    expect(calc).toMatchObject({ state: 'ready', parent: 'root', replicasWanted: 2 });
    expect(calc.replicas.map((r) => [r.id, r.state, r.socket])).toEqual([
      ['calc-0', 'ready', 'run/calc-0.sock'],
      ['calc-1', 'ready', 'run/calc-1.sock'],
    ]);
    for (const r of calc.replicas) expect(r.pid).toBeGreaterThan(0);
  });

  it('finds the running tree from any of its cells, or its cell.toml', async () => {
    const fromCell = await statusCommand(join(running().root, 'cells/calc'));
    const fromToml = await statusCommand(join(running().root, 'cells/calc/cell.toml'));
    expect(fromCell.root).toBe(running().root);
    expect(fromToml.nucleus.pid).toBe(fromCell.nucleus.pid);
  });

  it('prints it for people: the nucleus, then one line per cell and per replica', async () => {
    const status = await statusCommand(running().root);
    const lines = formatStatus(status).split('\n');
    expect(lines[0]).toMatch(new RegExp(`^tree ${running().root} · nucleus pid ${status.nucleus.pid} · up \\d+`));
    for (const r of status.cells.find((c) => c.name === 'calc')!.replicas) expect(lines.some((l) => l.includes(r.id) && l.includes(`pid ${r.pid}`))).toBe(true);
  });

  it('prints the same document as JSON through the CLI, exit 0', async () => {
    const r = runCell(['status', running().root, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as TreeStatus;
    expect([...checkStatus.Errors(status)]).toEqual([]);
    expect(status.nucleus.pid).toBe((await statusCommand(running().root)).nucleus.pid);
  });

  it('fails with CELL_E_TREE_NOT_RUNNING where nothing runs (exit 3)', async () => {
    const idle = tempTree({ 'cell.toml': ROOT_TOML });
    try {
      await expect(statusCommand(idle.root)).rejects.toMatchObject({ code: 'CELL_E_TREE_NOT_RUNNING' });
      const r = runCell(['status', idle.root, '--json']);
      expect(r.code).toBe(3);
      expect(JSON.parse(r.stderr)).toMatchObject({ code: 'CELL_E_TREE_NOT_RUNNING' });
    } finally {
      await idle.remove();
    }
  });
});

describe('formatStatus (hand-made status)', () => {
  it('shows the node, its peers and the nodes it knows', () => {
    const one = formatStatus(
      treeStatus([cellStatus('shop')], {
        network: networkStatus({
          node: '12D3KooWnode',
          directory: ['10.0.0.7:7700', '192.168.1.2:7700'],
          p2p: ['/ip4/10.0.0.7/tcp/7701'],
          peers: 1,
          known: [
            { node: '12D3KooWother', cells: ['stock@1.0.0', 'mailer@2.0.0'], via: 'gossip', ageMs: 1500 },
            { node: '12D3KooWquiet', cells: [], via: 'node-info', ageMs: 200 },
          ],
        }),
      }),
    ).split('\n');
    expect(one).toContain('node 12D3KooWnode · directory 10.0.0.7:7700, 192.168.1.2:7700 · 1 peer');
    expect(one).toContain('  knows 12D3KooWother (gossip, 1s ago): stock@1.0.0, mailer@2.0.0');
    expect(one).toContain('  knows 12D3KooWquiet (node-info, 200ms ago): no cells');
    const many = formatStatus(treeStatus([cellStatus('shop')], { network: networkStatus({ peers: 3 }) }));
    expect(many).toContain(' · 3 peers');
  });

  it("shows each dependency's candidates with latency, score and share of calls", () => {
    const status = treeStatus([
      cellStatus('orders', {
        deps: {
          stock: [
            { endpoint: 'run/stock-0.sock', local: true, node: null, connected: true, latencyMs: 0.0421, inFlight: 0, score: 0.0421, calls: 300, share: 0.75 },
            { endpoint: 'axon://12D3KooWother@10.0.0.8:41000', local: false, node: '12D3KooWother', connected: false, latencyMs: null, inFlight: 0, score: null, calls: 300, share: 0.25 },
          ],
          mailer: [],
        },
      }),
    ]);
    const lines = formatStatus(status).split('\n');
    expect(lines).toContain('orders -> stock: 2 candidates');
    expect(lines).toContain('  local    0.042 ms  score    0.042   75% of 300 calls  run/stock-0.sock');
    expect(lines).toContain('  remote       -  score        -   25% of 300 calls  (not connected) axon://12D3KooWother@10.0.0.8:41000');
    // A dependency without candidates says nothing.
    expect(lines.some((l) => l.includes('-> mailer'))).toBe(false);
  });

  it('has no network section for a local tree', () => {
    expect(formatStatus(treeStatus([cellStatus('shop')]))).not.toMatch(/^node /m);
  });
});
