import { describe, expect, it } from 'vitest';
import { writeLock } from '@cell/codegen';
import type { Genome } from '@cell/contract';
import { cellToml, errorOf, plainCell, storeGenome, tempTree, useTeardown } from '../test-fixtures/temp-cells.ts';
import { judgeUpgrade, refuseBlocked, type UpgradeEdge, upgradeEdges } from './upgrade-policy.ts';

const defer = useTeardown();

function edge(consumer: string, locked: Genome, next: Genome): UpgradeEdge {
  return { consumer, dep: 'store', producer: 'store', producerDir: '/t/cells/store', locked, next };
}

describe('judgeUpgrade', () => {
  it('lets through no change, a version bump of the same shape, and a compatible change', () => {
    const v1 = storeGenome('1.0.0');
    expect(judgeUpgrade([])).toEqual({ blocking: [], keepMajors: [] });
    expect(judgeUpgrade([edge('api', v1, v1)])).toEqual({ blocking: [], keepMajors: [] });
    expect(judgeUpgrade([edge('api', v1, storeGenome('1.0.1'))])).toEqual({ blocking: [], keepMajors: [] });
    expect(judgeUpgrade([edge('api', v1, storeGenome('1.1.0', 'compatible'))])).toEqual({ blocking: [], keepMajors: [] });
  });

  it('blocks a breaking change within the same major, naming each consumer and change', () => {
    const e = edge('api', storeGenome('1.0.0'), storeGenome('1.1.0', 'breaking'));
    const verdict = judgeUpgrade([e]);
    expect(verdict.keepMajors).toEqual([]);
    expect(verdict.blocking).toHaveLength(1);
    expect(verdict.blocking[0]!.edge).toBe(e);
    expect(verdict.blocking[0]!.breaking.length).toBeGreaterThan(0);
  });

  it('keeps the old major running for a breaking change with a major bump, each major once', () => {
    const next = storeGenome('3.0.0', 'breaking');
    const verdict = judgeUpgrade([
      edge('api', storeGenome('1.0.0'), next),
      edge('mail', storeGenome('1.2.0'), next),
      edge('billing', storeGenome('2.0.0'), next),
    ]);
    expect(verdict).toEqual({ blocking: [], keepMajors: [1, 2] });
  });

  it('judges each consumer on its own lock', () => {
    const next = storeGenome('1.3.0', 'breaking');
    const verdict = judgeUpgrade([edge('api', storeGenome('1.0.0'), next), edge('fresh', next, next)]);
    expect(verdict.blocking.map((b) => b.edge.consumer)).toEqual(['api']);
  });
});

describe('refuseBlocked', () => {
  it('passes a verdict without blocking consumers', () => {
    expect(() => refuseBlocked({ blocking: [], keepMajors: [1] }, 'reload store')).not.toThrow();
  });

  it('throws CELL_E_SCHEMA_MISMATCH naming each blocked consumer, both versions and the changes', async () => {
    const verdict = judgeUpgrade([edge('api', storeGenome('1.0.0'), storeGenome('1.1.0', 'breaking'))]);
    const err = await errorOf(() => refuseBlocked(verdict, 'reload store 1.1.0'));
    expect(err.code).toBe('CELL_E_SCHEMA_MISMATCH');
    const [blocked] = err.details['blocking'] as Array<Record<string, unknown>>;
    expect(blocked).toMatchObject({ consumer: 'api', dep: 'store', producer: 'store', from: '1.0.0', to: '1.1.0' });
    expect(blocked!['breaking']).toEqual(expect.arrayContaining([expect.any(String)]));
  });

  it('names the one command that moves the consumers along with the producer while the tree runs', async () => {
    const verdict = judgeUpgrade([edge('api', storeGenome('1.0.0'), storeGenome('1.1.0', 'breaking'))]);
    const err = await errorOf(() => refuseBlocked(verdict, 'reload store 1.1.0'));
    expect(err.details['command']).toBe('cell reload /t/cells/store --with-consumers');
  });
});

describe('upgradeEdges', () => {
  it('gives an edge per running consumer that locked the producer, under the name the consumer uses', () => {
    const tree = tempTree(defer, {
      'cell.toml': cellToml('root', { entry: false }),
      ...plainCell('cells/store', 'store'),
      ...plainCell('cells/api', 'api', '[deps]\ninventory = "../store"'),
      ...plainCell('cells/mail', 'mail', '[deps]\nstore = "../store"'),
      ...plainCell('cells/report', 'report', '[deps]\nstore = "../store"'),
    });
    const node = (name: string) => tree.nodes.find((n) => n.name === name)!;
    const locked = storeGenome('1.0.0');
    const lockOf = (dep: string) => ({ lock: 1 as const, deps: { [dep]: { cell: 'store', version: locked.version, fingerprint: locked.fingerprint, genome: locked } } });
    writeLock(node('api').dir, lockOf('inventory'));
    writeLock(node('report').dir, lockOf('store'));
    // mail has no lock yet: nothing to break.
    const next = storeGenome('2.0.0', 'breaking');
    const running = new Set(['api', 'mail']);
    const edges = upgradeEdges(tree, node('store'), next, (c) => running.has(c.name));
    expect(edges).toEqual([{ consumer: 'api', dep: 'inventory', producer: 'store', producerDir: node('store').dir, locked, next }]);
  });
});
