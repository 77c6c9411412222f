import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuthor, encodeManifest, signManifest, verifyManifest } from '@cell/publish';
import { peerIdFromKey } from '@cell/wire';
import { tempDir } from '../test-support/fixtures.ts';
import { allowingInstallScripts, assertTrusted, parseTrustPolicy, type ReadTextFile } from './trust-policy.ts';

const key = (n: number) => peerIdFromKey(Buffer.alloc(32, n));
const [ADA, BOB, EVE] = [key(1), key(2), key(3)];

function codeOf(fn: () => unknown): { code?: string; details?: { entry?: unknown; author?: unknown } } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; details?: { entry?: unknown } };
  }
  return {};
}

/** A file system of one file, recording what was read. */
function oneFile(path: string, text: string): ReadTextFile & { reads: string[] } {
  const reads: string[] = [];
  const read = (p: string) => {
    reads.push(p);
    if (p !== path) throw Object.assign(new Error(`ENOENT: no such file, open '${p}'`), { code: 'ENOENT' });
    return text;
  };
  return Object.assign(read, { reads });
}

describe('parseTrustPolicy', () => {
  it('any: every valid author key, never a malformed one; install scripts stay off', () => {
    const policy = parseTrustPolicy(' any ');
    expect(policy.kind).toBe('any');
    expect(policy.allows(ADA)).toBe(true);
    expect(policy.allows(EVE)).toBe(true);
    expect(policy.allows('nobody')).toBe(false);
    expect(policy.allows('')).toBe(false);
    expect(policy.allowsScripts).toBe(false);
    expect(policy.describe()).toBe('any identified author');
  });

  it('a list: only the listed keys, spaces and a trailing comma tolerated', () => {
    const policy = parseTrustPolicy(` ${ADA} ,${BOB},`);
    expect(policy.kind).toBe('authors');
    expect(policy.allows(ADA)).toBe(true);
    expect(policy.allows(` ${BOB} `)).toBe(true);
    expect(policy.allows(EVE)).toBe(false);
    expect(policy.allows('not a key')).toBe(false);
    expect(policy.allowsScripts).toBe(false);
    expect(policy.describe()).toContain(ADA);
  });

  it('refuses a bad entry, naming it, and a list with no key', () => {
    const bad = codeOf(() => parseTrustPolicy(`${ADA},12D3KooWnope,${BOB}`));
    expect(bad.code).toBe('CELL_E_INVALID_ARGUMENT');
    expect(bad.details?.entry).toBe('12D3KooWnope');
    expect(codeOf(() => parseTrustPolicy('')).code).toBe('CELL_E_INVALID_ARGUMENT');
    expect(codeOf(() => parseTrustPolicy(' , ,')).code).toBe('CELL_E_INVALID_ARGUMENT');
    // `any` is a policy of its own, not an entry of a list.
    expect(codeOf(() => parseTrustPolicy(`any,${ADA}`)).details?.entry).toBe('any');
  });

  it('file: one key per line, comments and blank lines ignored', () => {
    const read = oneFile('/etc/cell/trusted', `# people I know\n\n${ADA}\n  ${BOB}   # Bob, since 2025\r\n#${EVE}\n`);
    const policy = parseTrustPolicy('file:/etc/cell/trusted', read);
    expect(read.reads).toEqual(['/etc/cell/trusted']);
    expect(policy.kind).toBe('authors');
    expect([ADA, BOB, EVE].map((k) => policy.allows(k))).toEqual([true, true, false]);
    expect(policy.describe()).toContain('/etc/cell/trusted');
  });

  it('file: refuses a bad line (naming it), an empty list, no path and an unreadable file', () => {
    const bad = codeOf(() => parseTrustPolicy('file:/t', oneFile('/t', `${ADA}\nbob\n`)));
    expect(bad.code).toBe('CELL_E_INVALID_ARGUMENT');
    expect(bad.details?.entry).toBe('bob');
    expect(codeOf(() => parseTrustPolicy('file:/t', oneFile('/t', '# nobody yet\n\n'))).code).toBe('CELL_E_INVALID_ARGUMENT');
    expect(codeOf(() => parseTrustPolicy('file:', oneFile('/t', ADA))).code).toBe('CELL_E_INVALID_ARGUMENT');
    const missing = codeOf(() => parseTrustPolicy('file:/missing', oneFile('/t', ADA)));
    expect(missing.code).toBe('CELL_E_INVALID_ARGUMENT');
    expect(missing.details?.entry).toBe('file:/missing');
  });

  it('names only the first keys of a long list in its description', () => {
    const keys = Array.from({ length: 10 }, (_, i) => key(i + 10));
    const text = parseTrustPolicy(keys.join(',')).describe();
    expect(text).toContain(keys[0]);
    expect(text).not.toContain(keys[9]);
    expect(text).toContain('7 more');
  });

  it('reads the real file system by default', () => {
    const dir = tempDir('cell-trust-');
    try {
      const file = join(dir.path, 'trusted');
      writeFileSync(file, `${ADA}\n`);
      expect(parseTrustPolicy(`file:${file}`).allows(ADA)).toBe(true);
    } finally {
      dir.remove();
    }
  });
});

describe('assertTrusted', () => {
  it('passes an allowed author and refuses another with CELL_E_UNTRUSTED_AUTHOR naming it', () => {
    const policy = parseTrustPolicy(ADA);
    expect(() => assertTrusted(policy, ADA)).not.toThrow();
    const refused = codeOf(() => assertTrusted(policy, EVE));
    expect(refused.code).toBe('CELL_E_UNTRUSTED_AUTHOR');
    expect(refused.details?.author).toBe(EVE);
  });

  it('judges the author of a verified manifest', async () => {
    const dir = tempDir('cell-trust-');
    try {
      const ada = await createAuthor({ home: join(dir.path, 'ada'), name: 'Ada', contact: 'ada@example.org' });
      const range = { min: null, max: null };
      const cell = { name: 'a', version: '1.0.0', path: '.', bundle: 'bafybeieepibsbaqxo2a6ootdmad7dkx4d7xbphg7omatlcnn6mhlcrh5oy', resources: { cpu: range, memory: range, storage: range, gpu: range }, replicas: 1, deps: {} };
      const signed = signManifest({ v: 1, tree: { name: 't', version: '1.0.0' }, cells: [cell], previous: null, created: '2026-01-02T03:04:05.000Z' }, ada);
      const { manifest } = await verifyManifest((await encodeManifest(signed)).bytes);
      expect(parseTrustPolicy('any').allows(manifest.author.key)).toBe(true);
      expect(parseTrustPolicy(manifest.author.key).allows(manifest.author.key)).toBe(true);
      expect(codeOf(() => assertTrusted(parseTrustPolicy(BOB), manifest.author.key)).code).toBe('CELL_E_UNTRUSTED_AUTHOR');
    } finally {
      dir.remove();
    }
  });
  it('builds with install scripts off unless the donor allows them, for the same authors', () => {
    const listed = parseTrustPolicy(`${ADA},${BOB}`);
    expect(listed.allowsScripts).toBe(false);
    const scripts = allowingInstallScripts(listed);
    expect(scripts.allowsScripts).toBe(true);
    expect([ADA, BOB, EVE].map((k) => scripts.allows(k))).toEqual([true, true, false]);
    expect(parseTrustPolicy('any').allowsScripts).toBe(false);
  });
});
