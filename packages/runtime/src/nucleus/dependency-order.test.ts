import { describe, expect, it } from 'vitest';
import type { TreeNode } from '@cell/config';
import { cellToml, plainCell, tempTree, useTeardown, within } from '../test-fixtures/temp-cells.ts';
import { inDependencyOrder, inReverseDependencyOrder } from './dependency-order.ts';

const defer = useTeardown();

/** root (a group) holds api -> store -> db, and mail, which depends on nothing. */
function shopTree() {
  return tempTree(defer, {
    'cell.toml': cellToml('root', { entry: false }),
    ...plainCell('cells/api', 'api', '[deps]\nstore = "../store"'),
    ...plainCell('cells/store', 'store', '[deps]\ndb = "../db"'),
    ...plainCell('cells/db', 'db'),
    ...plainCell('cells/mail', 'mail'),
  });
}

/** Runs the order with an action that waits until the test settles it; records which cells began. */
function gated(run: (tree: ReturnType<typeof shopTree>, action: (n: TreeNode) => Promise<void>) => Promise<void>, tree: ReturnType<typeof shopTree>) {
  const begun: string[] = [];
  const gates = new Map<string, PromiseWithResolvers<void>>();
  const done = run(tree, (node) => {
    begun.push(node.name);
    const gate = Promise.withResolvers<void>();
    gates.set(node.name, gate);
    return gate.promise;
  });
  const settle = async (name: string, outcome: 'ok' | 'fail' = 'ok') => {
    const gate = gates.get(name);
    if (!gate) throw new Error(`${name} has not begun (begun: ${begun.join(', ')})`);
    if (outcome === 'ok') gate.resolve();
    else gate.reject(new Error(`${name} failed`));
    await new Promise((r) => setImmediate(r)); // every promise chain the settlement starts has run
  };
  return { begun, settle, done };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('inDependencyOrder', () => {
  it('starts cells without dependencies together, and each other cell once its dependencies settled', async () => {
    const g = gated(inDependencyOrder, shopTree());
    await flush();
    expect([...g.begun].sort()).toEqual(['db', 'mail', 'root']);
    await g.settle('mail');
    expect(g.begun).not.toContain('store');
    await g.settle('db');
    expect(g.begun).toContain('store');
    expect(g.begun).not.toContain('api');
    await g.settle('store');
    expect(g.begun).toContain('api');
    await g.settle('api');
    await g.settle('root');
    await within(g.done, 5000, 'the start order');
    expect(g.begun).toHaveLength(5);
  });

  it('a dependency that failed still lets its dependents start, and each cell starts once', async () => {
    const g = gated(inDependencyOrder, shopTree());
    await flush();
    await g.settle('db', 'fail');
    await g.settle('store', 'fail');
    expect(g.begun).toContain('api');
    for (const name of ['api', 'mail', 'root']) await g.settle(name);
    await within(g.done, 5000, 'the start order');
    expect([...g.begun].sort()).toEqual(['api', 'db', 'mail', 'root', 'store']);
  });
});

describe('inReverseDependencyOrder', () => {
  it('stops dependents before their dependencies, and a parent before what it contains', async () => {
    const g = gated(inReverseDependencyOrder, shopTree());
    await flush();
    expect(g.begun).toEqual(['root']);
    await g.settle('root');
    expect([...g.begun].sort()).toEqual(['api', 'mail', 'root']);
    await g.settle('api');
    expect(g.begun).toContain('store');
    expect(g.begun).not.toContain('db');
    await g.settle('store', 'fail'); // a failed stop does not hold the rest
    expect(g.begun).toContain('db');
    await g.settle('db');
    await g.settle('mail');
    await within(g.done, 5000, 'the stop order');
    expect(g.begun).toHaveLength(5);
  });

  it('a sub-cell that depends on its own parent does not wait for itself', async () => {
    const tree = tempTree(defer, {
      ...plainCell('.', 'root'),
      ...plainCell('cells/child', 'child', '[deps]\nparent = "../.."'),
    });
    const stopped: string[] = [];
    await within(
      inReverseDependencyOrder(tree, async (n) => void stopped.push(n.name)),
      5000,
      'stopping a child that depends on its parent',
    );
    expect(stopped.sort()).toEqual(['child', 'root']);
  });
});
