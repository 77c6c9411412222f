import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import type { ProgramConfig, TypecheckTarget } from './typecheck-config.ts';
import { configFingerprint, forgetCheck, isUpToDate, recordPassingCheck, StatCache, TYPECHECK_MANIFEST } from './typecheck-manifest.ts';

const defer = useTeardown();

function cell(): { target: TypecheckTarget; main: string; shared: string; tsconfig: string; program: ProgramConfig } {
  const dir = tempDir(defer, { 'src/main.ts': 'export {};\n', 'shared.ts': 'export const x = 1;\n', 'tsconfig.json': '{}' });
  const main = join(dir, 'src/main.ts');
  const tsconfig = join(dir, 'tsconfig.json');
  const target = { name: 'api', dir, roots: [main] };
  return { target, main, shared: join(dir, 'shared.ts'), tsconfig, program: { key: 'k', tsconfig, compilerOptions: {}, configFiles: [tsconfig] } };
}

/** Sets a file's mtime `secondsAgo` in the past (a check that started now read it before). */
function age(file: string, secondsAgo = 60): void {
  const t = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(file, t, t);
}

describe('type-check manifest', () => {
  it('is up to date while nothing the check read, nor its configuration, changed', () => {
    const c = cell();
    for (const f of [c.main, c.shared, c.tsconfig]) age(f);
    const fingerprint = configFingerprint(c.program, '7.0.2', new StatCache());
    expect(isUpToDate(c.target, fingerprint, new StatCache())).toBe(false); // never checked
    expect(recordPassingCheck(c.target, fingerprint, [c.main, c.shared], Date.now())).toBe(true);
    expect(isUpToDate(c.target, fingerprint, new StatCache())).toBe(true);

    writeFileSync(c.shared, 'export const x = 22;\n');
    expect(isUpToDate(c.target, fingerprint, new StatCache())).toBe(false);
  });

  it('is not up to date under another compiler, other options or a changed tsconfig', () => {
    const c = cell();
    for (const f of [c.main, c.tsconfig]) age(f);
    const fingerprint = configFingerprint(c.program, '7.0.2', new StatCache());
    recordPassingCheck(c.target, fingerprint, [c.main], Date.now());
    expect(isUpToDate(c.target, configFingerprint(c.program, '7.0.3', new StatCache()), new StatCache())).toBe(false);
    expect(isUpToDate(c.target, configFingerprint({ ...c.program, key: 'other' }, '7.0.2', new StatCache()), new StatCache())).toBe(false);
    writeFileSync(c.tsconfig, '{ "compilerOptions": { "strict": true } }');
    expect(isUpToDate(c.target, configFingerprint(c.program, '7.0.2', new StatCache()), new StatCache())).toBe(false);
    // A tsconfig chain that could not be followed: never up to date.
    expect(configFingerprint({ ...c.program, configFiles: undefined }, '7.0.2', new StatCache())).toBeUndefined();
    expect(isUpToDate(c.target, undefined, new StatCache())).toBe(false);
  });

  it('records nothing when an input changed after the check started, or what it read is unknown', () => {
    const c = cell();
    const fingerprint = configFingerprint(c.program, '7.0.2', new StatCache());
    const startedBeforeTheEdit = Date.now() - 30_000;
    expect(recordPassingCheck(c.target, fingerprint, [c.main], startedBeforeTheEdit)).toBe(false);
    expect(existsSync(join(c.target.dir, TYPECHECK_MANIFEST))).toBe(false);
    age(c.main);
    expect(recordPassingCheck(c.target, fingerprint, undefined, Date.now())).toBe(false);
    expect(recordPassingCheck(c.target, fingerprint, [c.main], Date.now())).toBe(true);
    forgetCheck(c.target);
    expect(isUpToDate(c.target, fingerprint, new StatCache())).toBe(false);
  });
});
