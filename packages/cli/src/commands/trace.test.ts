import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calcCellFiles, ROOT_TOML, runCell, tempTree, type TempTree, tracingUserCellFiles } from '../test-support/fixtures.ts';
import { traceArguments, traceCommand } from './trace.ts';

describe('trace arguments', () => {
  it('take a hex first argument as a trace id (or its start), anything else as the directory', () => {
    expect(traceArguments('ABCD', undefined)).toEqual({ trace: 'abcd', dir: undefined });
    expect(traceArguments('abcd', 'here')).toEqual({ trace: 'abcd', dir: 'here' });
    expect(traceArguments('cells/user', undefined)).toEqual({ trace: undefined, dir: 'cells/user' });
    expect(traceArguments(undefined, undefined)).toEqual({ trace: undefined, dir: undefined });
    expect(traceArguments(undefined, 'here')).toEqual({ trace: undefined, dir: 'here' });
    expect(() => traceArguments('xyz', 'here')).toThrow(/is not a trace id/);
  });
});

describe('cell trace (a running tree of two cells)', () => {
  let tree: TempTree;
  beforeAll(() => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...calcCellFiles('cells/calc'), ...tracingUserCellFiles('cells/user') });
    const up = runCell(['mitosis', tree.root, '--detach']);
    if (up.code !== 0) throw new Error(`the test tree did not start (${up.code}): ${up.stderr}`);
  });
  afterAll(async () => {
    await tree?.remove();
  });

  it('prints the trace id of `cell call --trace`, and `cell trace <id>` draws that request across both cells', () => {
    const call = runCell(['call', `${tree.root}/cells/user`, 'twice', '{"n":3}', '--trace']);
    expect(call.code, call.stderr).toBe(0);
    expect(JSON.parse(call.stdout)).toEqual({ n: 6 });
    const id = /^trace ([0-9a-f]{32}) \(cell trace \1\)$/m.exec(call.stderr)?.[1];
    expect(id, call.stderr).toBeDefined();

    const shown = runCell(['trace', id!.slice(0, 12), tree.root]);
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^trace ${id} · \\S+ · 3 spans in 2 cells · [0-9.]+ ms$`));
    expect(lines.slice(3).map((l) => l.replace(/^\s+\+[0-9.]+\s+[0-9.]+ ms {2}/, ''))).toEqual([
      expect.stringMatching(/^user\.twice {2}ok {2}user-0$/),
      expect.stringMatching(/^├─ calc\.echo {2}ok {2}calc-0$/),
      expect.stringMatching(/^└─ calc\.half {2}Odd {2}calc-0$/),
    ]);
  });

  it('lists the newest traces, and gives their spans as JSON', async () => {
    expect(runCell(['call', `${tree.root}/cells/user`, 'twice', '{"n":1}']).code).toBe(0);
    const listed = runCell(['trace', tree.root, '--limit', '1']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trimEnd().split('\n')).toEqual([expect.stringMatching(/^time \(UTC\)\s+trace\s+root call/), expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} {2}[0-9a-f]{32} {2}user\.twice\s+3\s+[0-9.]+ ms {2}ok \(1 error\)$/)]);

    const json = runCell(['trace', tree.root, '--json']);
    const { spans, unanswered } = JSON.parse(json.stdout) as { spans: Array<Record<string, unknown>>; unanswered: string[] };
    expect(unanswered).toEqual([]);
    expect(spans.length).toBeGreaterThanOrEqual(6);
    expect(spans[0]).toEqual(expect.objectContaining({ cell: expect.any(String), replica: expect.any(String), trace: expect.stringMatching(/^[0-9a-f]{32}$/) }));
    expect((await traceCommand(undefined, tree.root, { limit: 20 })).traces.length).toBeGreaterThanOrEqual(2);
  });

  it('says so, exit 2, for a trace no replica keeps', () => {
    const r = runCell(['trace', '0000000000000000', tree.root, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT', message: expect.stringMatching(/no replica of the running tree keeps a span of trace 0000000000000000/) });
  });
});
