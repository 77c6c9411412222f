import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { LAUNCH_SPEC_FILE, type LaunchSpec, readLaunchSpec } from './launch-spec.ts';

const defer = useTeardown();

describe('readLaunchSpec', () => {
  it('reads .cell/launch.json of a built cell', () => {
    const spec: LaunchSpec = { name: 'work', main: '.cell/build/main.mjs', idleTimeoutMs: 60_000, graceMs: 5000, deps: { store: { name: 'store', dir: '/srv/store' } } };
    const dir = tempDir(defer, { [LAUNCH_SPEC_FILE]: JSON.stringify(spec) });
    expect(LAUNCH_SPEC_FILE).toBe(join('.cell', 'launch.json'));
    expect(readLaunchSpec(dir)).toEqual(spec);
  });

  it('is undefined for a cell that was never built, or whose spec is unreadable', () => {
    expect(readLaunchSpec(tempDir(defer))).toBeUndefined();
    expect(readLaunchSpec(tempDir(defer, { [LAUNCH_SPEC_FILE]: '{ half' }))).toBeUndefined();
  });
});
