import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cell, REPO, tempTree } from './helpers.ts';

/** The code blocks of docs/existing-service.md, as a user would copy them. */
function docBlock(lang: string): string {
  const doc = readFileSync(join(REPO, 'docs/existing-service.md'), 'utf8');
  const blocks = [...doc.matchAll(/```(\w+)\n([\s\S]*?)```/g)].filter((m) => m[1] === lang).map((m) => m[2]!);
  expect(blocks, `one ${lang} block`).toHaveLength(1);
  return blocks[0]!;
}

describe('docs/existing-service.md: an existing HTTP service becomes a cell', () => {
  const server = docBlock('ts');
  // The doc's fixed port becomes a free one: a test never binds a fixed port.
  const tree = tempTree({ 'server.ts': server.replace('.listen(3000)', '.listen(0)'), 'cell.toml': docBlock('toml') });
  afterAll(() => tree.remove());

  it('its five added lines serve the contract beside the HTTP server', () => {
    expect(server).toContain('.listen(3000)');
    const started = cell(['mitosis', tree.root, '--detach']);
    expect(started.code, started.stdout + started.stderr).toBe(0);
    const r = cell(['call', tree.root, 'hits', '{}']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ count: 0 });
    expect(cell(['stop', tree.root]).code).toBe(0);
  }, 120_000);
});
