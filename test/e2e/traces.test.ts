import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { calcCellFiles, tracingUserCellFiles } from '../../packages/cli/src/test-support/fixtures.ts';
import { type OtlpCollector, startOtlpCollector } from '../../packages/runtime/src/test-fixtures/otlp-collector.ts';
import { cell, cellAsync, tempTree, type TempTree } from './helpers.ts';

let tree: TempTree | undefined;
let collector: OtlpCollector | undefined;
afterEach(async () => {
  tree?.remove();
  tree = undefined;
  await collector?.close();
  collector = undefined;
});

describe('traces exported over OTLP (a real tree, the official exporter, an OTLP/HTTP receiver on loopback)', () => {
  it('a request across two cells arrives as one trace: a service per cell, the calls made with ctx children of the root, outcomes as status', { timeout: 120_000 }, async () => {
    collector = await startOtlpCollector();
    const root = `[cell]\nname = "root"\nversion = "1.0.0"\n\n[observe]\notlp = "${collector.url}"\n`;
    tree = tempTree({ 'cell.toml': root, ...calcCellFiles('cells/calc'), ...tracingUserCellFiles('cells/user') });
    const started = cell(['mitosis', tree.root, '--detach']);
    expect(started.code, started.stderr).toBe(0);

    const call = cell(['call', join(tree.root, 'cells/user'), 'twice', '{"n":2}', '--trace']);
    expect(call.code, call.stderr).toBe(0);
    const id = /^trace ([0-9a-f]{32})/m.exec(call.stderr)?.[1];
    expect(id, call.stderr).toBeDefined();
    const ofTrace = () => collector!.spans.filter((s) => s.traceId === id);
    const deadline = Date.now() + 30_000; // the nucleus polls its replicas every second
    while (ofTrace().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    const spans = ofTrace();
    const twice = spans.find((s) => s.name === 'user/twice');
    expect(twice, JSON.stringify(collector.spans.map((s) => [s.traceId, s.name]))).toMatchObject({ service: 'user', kind: 2, status: { code: 1 } });
    expect(spans.filter((s) => s.parentSpanId === twice!.spanId).map((s) => [s.service, s.name, s.status.code, s.status.message ?? '']).sort()).toEqual([
      ['calc', 'calc/echo', 1, ''],
      ['calc', 'calc/half', 2, 'Odd'],
    ]);

    // The last spans leave with the tree: a call just before `cell stop` is exported, not lost.
    const last = cell(['call', join(tree.root, 'cells/calc'), 'echo', '{"n":7}', '--trace']);
    const lastId = /^trace ([0-9a-f]{32})/m.exec(last.stderr)?.[1];
    expect((await cellAsync(['stop', tree.root])).code).toBe(0); // async: the collector answers from this process
    expect(collector.spans.filter((s) => s.traceId === lastId).map((s) => s.name)).toEqual(['calc/echo']);
  });
});
