import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/write-atomic.ts';
import type { ProgramConfig, TypecheckTarget } from './typecheck-config.ts';

/** Where a cell records what its last passing type-check read, inside its own directory. */
export const TYPECHECK_MANIFEST = join('.cell', 'typecheck.json');

interface Manifest {
  format: 1;
  /** Compiler version and configuration (see {@link configFingerprint}). */
  config: string;
  roots: string[];
  /** Every file the check depended on -> [mtimeMs, size] when it was checked. */
  inputs: Record<string, [number, number]>;
}

/** File stats, each file asked once per build (cells of a tree share most of their inputs). */
export class StatCache {
  private readonly stats = new Map<string, [number, number] | null>();

  /** [mtimeMs, size], or null when the file is gone. */
  get(file: string): [number, number] | null {
    let s = this.stats.get(file);
    if (s === undefined) {
      try {
        const st = statSync(file);
        s = [st.mtimeMs, st.size];
      } catch {
        s = null;
      }
      this.stats.set(file, s);
    }
    return s;
  }
}

/**
 * What a check's verdict depends on besides the source files: the compiler's version, the
 * options, and the tsconfig files they come from. Undefined when those files are not all known.
 */
export function configFingerprint(program: ProgramConfig, compilerVersion: string, stats: StatCache): string | undefined {
  if (!program.configFiles) return undefined;
  const files = program.configFiles.map((f) => [f, stats.get(f)]);
  return createHash('sha256').update(JSON.stringify([compilerVersion, program.key, files])).digest('hex').slice(0, 32);
}

/** True when the cell's last passing check read exactly what is on disk now, with the same configuration. */
export function isUpToDate(target: TypecheckTarget, fingerprint: string | undefined, stats: StatCache): boolean {
  if (fingerprint === undefined) return false;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(join(target.dir, TYPECHECK_MANIFEST), 'utf8')) as Manifest;
  } catch {
    return false;
  }
  if (manifest.format !== 1 || manifest.config !== fingerprint || JSON.stringify(manifest.roots) !== JSON.stringify(target.roots)) return false;
  for (const [file, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
    const s = stats.get(file);
    if (!s || s[0] !== mtimeMs || s[1] !== size) return false;
  }
  return true;
}

/**
 * Records a passing check of the cell. Nothing is recorded (the next build checks again) when
 * what it read is unknown, or when an input changed after the check started: it may have read
 * the older content.
 */
export function recordPassingCheck(target: TypecheckTarget, fingerprint: string | undefined, inputs: Iterable<string> | undefined, startedAtMs: number): boolean {
  if (fingerprint === undefined || inputs === undefined) return forgetCheck(target);
  const stats = new StatCache();
  const recorded: Manifest['inputs'] = {};
  for (const file of inputs) {
    const s = stats.get(file);
    if (!s || s[0] >= startedAtMs) return forgetCheck(target);
    recorded[file] = s;
  }
  const manifest: Manifest = { format: 1, config: fingerprint, roots: target.roots, inputs: recorded };
  mkdirSync(join(target.dir, '.cell'), { recursive: true });
  writeFileAtomic(join(target.dir, TYPECHECK_MANIFEST), `${JSON.stringify(manifest)}\n`);
  return true;
}

/** The files the cell's last passing type-check read (absolute paths); none when there is no record. */
export function checkedInputs(dir: string): string[] {
  try {
    return Object.keys((JSON.parse(readFileSync(join(dir, TYPECHECK_MANIFEST), 'utf8')) as Manifest).inputs);
  } catch {
    return [];
  }
}

/** Removes the cell's record: its next build checks it again. */
export function forgetCheck(target: TypecheckTarget): false {
  rmSync(join(target.dir, TYPECHECK_MANIFEST), { force: true });
  return false;
}
