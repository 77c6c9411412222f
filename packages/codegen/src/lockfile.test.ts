import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { isCellError } from '@cell/protocol';
import { defineContract, type Genome, toGenome, unary } from '@cell/contract';
import { type CellLock, LOCK_FILE, type LockedDep, readLock, writeLock } from './lockfile.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cellDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cell-lock-'));
  dirs.push(dir);
  return dir;
}

function locked(name: string, version = '1.0.0'): LockedDep {
  const genome: Genome = toGenome(
    defineContract({ name, version, methods: { get: unary({ input: Type.Object({ sku: Type.String(), qty: Type.Integer() }), output: Type.Null(), errors: { Zed: Type.Null(), Alpha: Type.Null() } }) } }),
  );
  return { cell: name, version, fingerprint: genome.fingerprint, genome };
}

function codeOf(read: () => unknown): string | undefined {
  try {
    read();
  } catch (err) {
    return isCellError(err) ? err.code : 'not a CellError';
  }
  return undefined;
}

describe('cell.lock', () => {
  it('is named cell.lock, and absent until written', () => {
    expect(LOCK_FILE).toBe('cell.lock');
    expect(readLock(cellDir())).toBeUndefined();
  });

  it('reads back what was written', () => {
    const dir = cellDir();
    const lock: CellLock = { lock: 1, deps: { payments: locked('payments'), inventory: locked('inventory', '2.1.0') } };
    expect(writeLock(dir, lock)).toBe(true);
    expect(readLock(dir)).toEqual(JSON.parse(JSON.stringify(lock)));
  });

  it('keeps the commits of git dependencies, and refuses one that is not a commit id', () => {
    const dir = cellDir();
    const git = { mailer: { url: 'file:///srv/mailer.git', ref: 'v2.1.0', commit: 'c'.repeat(40) } };
    writeLock(dir, { lock: 1, deps: { payments: locked('payments') }, git });
    expect(readLock(dir)?.git).toEqual(git);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).not.toContain('"git": {}');
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ lock: 1, deps: {}, git: { mailer: { url: 'x', ref: 'v1', commit: 'HEAD' } } }));
    expect(codeOf(() => readLock(dir))).toBe('CELL_E_CONFIG_INVALID');
  });

  it('writes sorted keys at every level with a final newline, so it diffs cleanly', () => {
    const dir = cellDir();
    writeLock(dir, { lock: 1, deps: { zeta: locked('zeta'), alpha: locked('alpha') } });
    const text = readFileSync(join(dir, LOCK_FILE), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(text) as CellLock;
    expect(Object.keys(parsed)).toEqual(['deps', 'lock']);
    expect(Object.keys(parsed.deps)).toEqual(['alpha', 'zeta']);
    expect(Object.keys(parsed.deps['alpha']!)).toEqual(['cell', 'fingerprint', 'genome', 'version']);
    const errors = Object.keys(parsed.deps['alpha']!.genome.methods['get']!.errors);
    expect(errors).toEqual(['Alpha', 'Zed']);
    const sorted = (o: unknown): boolean =>
      typeof o !== 'object' || o === null || (Array.isArray(o) ? o.every(sorted) : Object.keys(o).join() === Object.keys(o).sort().join() && Object.values(o).every(sorted));
    expect(sorted(parsed)).toBe(true);
  });

  it('writes the same text whatever order the dependencies came in, and reports no change then', () => {
    const a = cellDir();
    const b = cellDir();
    writeLock(a, { lock: 1, deps: { x: locked('x'), y: locked('y') } });
    writeLock(b, { lock: 1, deps: { y: locked('y'), x: locked('x') } });
    expect(readFileSync(join(a, LOCK_FILE), 'utf8')).toBe(readFileSync(join(b, LOCK_FILE), 'utf8'));
    expect(writeLock(a, { lock: 1, deps: { y: locked('y'), x: locked('x') } })).toBe(false);
    expect(writeLock(a, { lock: 1, deps: { x: locked('x', '1.1.0'), y: locked('y') } })).toBe(true);
    expect(readLock(a)?.deps['x']?.version).toBe('1.1.0');
  });

  it('refuses a lock that is not JSON, or not format 1, with CELL_E_CONFIG_INVALID', () => {
    const entry = JSON.stringify(locked('x'));
    const malformed = ['{ not json', '[]', 'null', '{"lock":2,"deps":{}}', '{"lock":1}', '{"lock":1,"deps":null}', '{"lock":1,"deps":[]}', '{"lock":1,"deps":{"x":5}}', `{"lock":1,"deps":{"x":${entry.replace('"genome":{', '"genome":null,"_":{')}}}`];
    for (const text of malformed) {
      const dir = cellDir();
      writeFileSync(join(dir, LOCK_FILE), text);
      expect(codeOf(() => readLock(dir)), text).toBe('CELL_E_CONFIG_INVALID');
    }
  });
});
