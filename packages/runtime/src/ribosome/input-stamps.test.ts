import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { inputsUnchanged, stampInputs } from './input-stamps.ts';

const defer = useTeardown();

describe('input stamps', () => {
  it('hold while every input keeps its mtime and size; a touched, resized or removed input ends them', () => {
    const dir = tempDir(defer, { 'a.ts': 'a', 'b.ts': 'bb' });
    const files = [join(dir, 'a.ts'), join(dir, 'b.ts')];
    const stamps = stampInputs([...files, join(dir, 'virtual.ts')]);
    expect(Object.keys(stamps)).toEqual(files); // what is not on disk is not an input
    expect(inputsUnchanged(stamps)).toBe(true);
    utimesSync(files[0]!, new Date(1000), new Date(1000));
    expect(inputsUnchanged(stamps)).toBe(false);
    const again = stampInputs(files);
    writeFileSync(files[1]!, 'bbb');
    expect(inputsUnchanged(again)).toBe(false);
    const last = stampInputs(files);
    rmSync(files[0]!);
    expect(inputsUnchanged(last)).toBe(false);
  });
});
