import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CID } from 'multiformats/cid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentDir, openBlockstore, readPublished } from '@cell/net';
import { verifyManifest } from '@cell/publish';
import { runCell } from '../test-support/fixtures.ts';
import { tempDir } from '../test-support/temp-dir.ts';
import { formatPublishedCell, formatPublishSummary, type PublishSummary } from './publish.ts';

function write(root: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
}

const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('cell publish', () => {
  const dir = tempDir('cell-publish-cli-');
  const home = join(dir.path, 'home');
  const tree = join(dir.path, 'tree');
  beforeAll(() => {
    write(tree, {
      'cell.toml': '[cell]\nname = "blog"\nversion = "0.3.0"\n',
      'cells/web/cell.toml': '[cell]\nname = "web"\nversion = "1.0.0"\nentry = "src/main.ts"\n',
      'cells/web/src/main.ts': 'export {};\n',
    });
  });
  afterAll(() => dir.remove());

  it('refuses to publish without an author', () => {
    const r = runCell(['publish', tree, '--no-announce', '--json'], { env: { CELL_HOME: home } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'CELL_E_AUTHOR_MISSING' });
  });

  it('stores the bundles and the signed manifest, prints its CID; again: unchanged, same CID', async () => {
    expect(runCell(['author', 'init', '--name', 'Ada', '--contact', 'ada@example.org'], { env: { CELL_HOME: home } }).code).toBe(0);
    const first = runCell(['publish', tree, '--no-announce', '--json'], { env: { CELL_HOME: home } });
    expect(first.code, first.stderr).toBe(0);
    const out = lines(first.stdout);
    expect(out.filter((l) => l['event'] === 'bundled').map((l) => [l['name'], l['state']])).toEqual([['blog', 'added'], ['web', 'added']]);
    const summary = out.at(-1) as unknown as PublishSummary & { event: string };
    expect(summary).toMatchObject({ event: 'published', tree: 'blog', version: '0.3.0', changed: true, previous: null, announced: { skipped: '--no-announce' } });
    const store = await openBlockstore(contentDir(home));
    const parts: Uint8Array[] = [];
    for await (const c of store.get(CID.parse(summary.manifest))) parts.push(c);
    const v = await verifyManifest(Buffer.concat(parts), CID.parse(summary.manifest));
    expect(v.manifest.cells.map((c) => c.name)).toEqual(['blog', 'web']);
    expect(readPublished(contentDir(home))).toEqual([{ tree: 'blog', version: '0.3.0', author: summary.author, manifest: summary.manifest, cids: [summary.manifest, ...v.manifest.cells.map((c) => c.bundle)] }]);

    const again = lines(runCell(['publish', tree, '--no-announce', '--json'], { env: { CELL_HOME: home } }).stdout).at(-1)!;
    expect(again).toMatchObject({ changed: false, manifest: summary.manifest });
    expect((again['cells'] as Array<{ state: string }>).every((c) => c.state === 'unchanged')).toBe(true);
  });

  it('says why it did not announce a tree without [network]', () => {
    const r = runCell(['publish', tree, '--json'], { env: { CELL_HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    expect((lines(r.stdout).at(-1)!['announced'] as { skipped: string }).skipped).toMatch(/no \[network\]/);
  });

  it('formats progress and the summary for people', () => {
    const cell = { name: 'web', path: 'cells/web', bundle: 'bafy', state: 'added' as const, files: 3, bytes: 2_500_000, skipped: [] };
    expect(formatPublishedCell(cell)).toBe('added     web              bafy (3 files, 2.50 MB)');
    const summary: PublishSummary = { tree: 'blog', version: '0.3.0', manifest: 'bagaa', changed: true, previous: null, author: '12D3KooWa', cells: [cell], announced: { peers: 2, notified: 1, provided: 3 } };
    expect(formatPublishSummary(summary)).toBe('blog@0.3.0 published by 12D3KooWa\nannounced to 2 peers (1 notified, 3 DHT records)\nmanifest bagaa');
  });
});
