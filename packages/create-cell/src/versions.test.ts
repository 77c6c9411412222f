import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { currentVersions, TYPES_NODE_VERSION, TYPESCRIPT_VERSION } from './versions.ts';

const read = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));

describe('versions', () => {
  it('a new project depends on Cell at this package version', () => {
    expect(currentVersions().cell).toBe(read('../package.json').version);
    expect(currentVersions().cell).toBe(read('../../sdk/package.json').version);
  });

  it('and on the TypeScript and Node types Cell itself is tested with', () => {
    const root = read('../../../package.json');
    expect(TYPESCRIPT_VERSION).toBe(root.devDependencies.typescript);
    expect(TYPES_NODE_VERSION).toBe(root.devDependencies['@types/node']);
  });
});
