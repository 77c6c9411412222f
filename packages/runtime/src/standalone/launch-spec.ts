import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DependencyRef } from '@cell/host';

/** What a built cell needs to be started without a nucleus (`.cell/launch.json`, written by the ribosome). */
export interface LaunchSpec {
  name: string;
  /** Built entry, relative to the cell directory. */
  main: string;
  idleTimeoutMs: number | null;
  /** `[life_cycle] memory_trim` (0: never); absent or null: the SDK's default. */
  memoryTrimMs?: number | null;
  graceMs: number;
  deps: Record<string, DependencyRef>;
}

export const LAUNCH_SPEC_FILE = join('.cell', 'launch.json');

/** The launch spec of a built cell, if it was built. */
export function readLaunchSpec(dir: string): LaunchSpec | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, LAUNCH_SPEC_FILE), 'utf8')) as LaunchSpec;
  } catch {
    return undefined;
  }
}
