import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckedEdge } from '@cell/runtime';
import { calcCellFiles, ROOT_TOML, runCell, tempTree, type TempTree, userCellFiles } from '../test-support/fixtures.ts';
import { buildCommand } from './build.ts';
import { checkCommand, formatCheck } from './check.ts';

describe('cell check', () => {
  let tree: TempTree;
  let contract: string;
  const calcContract = () => join(tree.root, 'cells/calc/src/contract.ts');

  beforeAll(async () => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...calcCellFiles('cells/calc'), ...userCellFiles('cells/user') });
    await buildCommand(tree.root, {}, () => undefined); // locks user's view of calc
    contract = readFileSync(calcContract(), 'utf8');
  });
  afterAll(async () => {
    await tree?.remove();
  });

  it('reports an unchanged producer as unchanged', async () => {
    const edges = await checkCommand(tree.root);
    expect(edges).toHaveLength(1);
    expect(edges[0]).toMatchObject({ consumer: 'user', dep: 'calc', producer: 'calc', locked: { version: '1.0.0' }, current: { version: '1.0.0', source: 'source' }, report: { breaking: [], compatible: [] } });
    expect(edges[0]!.locked!.fingerprint).toBe(edges[0]!.current!.fingerprint);
    expect(formatCheck(edges).split('\n')).toEqual(['calc 1.0.0 (source)', '  user (as "calc", locked 1.0.0): unchanged']);
  });

  it('reports a compatible change (a new optional input field) with ✓', async () => {
    tree.write('cells/calc/src/contract.ts', contract.replace("echo: unary({ input: Type.Object({ n: Type.Integer() })", "echo: unary({ input: Type.Object({ n: Type.Integer(), note: Type.Optional(Type.String()) })"));
    const edges = await checkCommand(tree.root);
    expect(edges[0]!.report.breaking).toEqual([]);
    expect(edges[0]!.report.compatible).toEqual([expect.objectContaining({ method: 'echo', path: '/input/note' })]);
    const text = formatCheck(edges);
    expect(text).toContain('compatible');
    expect(text).toMatch(/^ {4}✓ echo \/input\/note/m);
    tree.write('cells/calc/src/contract.ts', contract);
  });

  it('reports a breaking change (a renamed input field) by method and path, exit 1 with the edges as JSON', async () => {
    tree.write('cells/calc/src/contract.ts', contract.replace("echo: unary({ input: Type.Object({ n: Type.Integer() })", "echo: unary({ input: Type.Object({ m: Type.Integer() })"));
    try {
      const edges = await checkCommand(tree.root);
      const paths = edges[0]!.report.breaking.map((c) => `${c.method} ${c.path}`).sort();
      expect(paths).toEqual(['echo /input/m', 'echo /input/n']);
      const text = formatCheck(edges);
      expect(text).toContain('BREAKING');
      expect(text.split('\n').filter((l) => l.startsWith('    ✗ echo /input/'))).toHaveLength(2);
      const r = runCell(['check', tree.root, '--json']);
      expect(r.code).toBe(1);
      const json = JSON.parse(r.stdout) as CheckedEdge[];
      expect(json.map((e) => [e.consumer, e.dep, e.report.breaking.length])).toEqual([['user', 'calc', 2]]);
    } finally {
      tree.write('cells/calc/src/contract.ts', contract);
    }
    expect(runCell(['check', tree.root]).code).toBe(0);
  });

  it('says so when the tree has no dependencies, and when a dependency is not locked yet', async () => {
    const lone = tempTree({ ...calcCellFiles('.') });
    try {
      expect(await checkCommand(lone.root)).toEqual([]);
      expect(formatCheck([])).toBe('no dependencies between the cells of this tree');
    } finally {
      await lone.remove();
    }
    const fresh = tempTree({ 'cell.toml': ROOT_TOML, ...calcCellFiles('cells/calc'), ...userCellFiles('cells/user') });
    try {
      const edges = await checkCommand(fresh.root);
      expect(edges[0]).toMatchObject({ locked: null, report: { breaking: [], compatible: [] } });
      expect(formatCheck(edges)).toContain('user (as "calc", locked -): not locked yet');
    } finally {
      await fresh.remove();
    }
  });

  it('formats edges of several producers grouped by producer, and an unknown genome', () => {
    const edge = (consumer: string, producer: string, current: CheckedEdge['current']): CheckedEdge => ({
      consumer,
      dep: producer,
      producer,
      locked: { version: '1.0.0', fingerprint: 'f1' },
      current,
      report: { breaking: [], compatible: [] },
    });
    const lines = formatCheck([edge('a', 'p', { version: '1.1.0', fingerprint: 'f2', source: 'recorded' }), edge('b', 'q', null), edge('c', 'p', { version: '1.1.0', fingerprint: 'f2', source: 'recorded' })]).split('\n');
    expect(lines).toEqual([
      'p 1.1.0 (recorded)',
      '  a (as "p", locked 1.0.0): unchanged',
      '  c (as "p", locked 1.0.0): unchanged',
      'q (genome unknown)',
      '  b (as "q", locked 1.0.0): unchanged',
    ]);
  });
});
