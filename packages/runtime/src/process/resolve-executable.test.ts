import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { resolveExecutable } from './resolve-executable.ts';

const defer = useTeardown();

describe('resolveExecutable', () => {
  it('finds a path relative to the cell, or a name on PATH in order', () => {
    const dir = tempDir(defer);
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
    for (const f of ['bin/server', 'node_modules/.bin/tool', 'bin/tool']) {
      writeFileSync(join(dir, f), '#!/bin/sh\n');
      chmodSync(join(dir, f), 0o755);
    }
    expect(resolveExecutable('api', './bin/server', dir, '')).toBe(join(dir, 'bin/server'));
    expect(resolveExecutable('api', 'tool', dir, `${join(dir, 'node_modules/.bin')}:${join(dir, 'bin')}`)).toBe(join(dir, 'node_modules/.bin/tool'));
    expect(resolveExecutable('api', 'sh', dir, '/usr/bin:/bin')).toMatch(/\/bin\/sh$/);
  });

  it('says what is wrong: missing, not executable, not on PATH', () => {
    const dir = tempDir(defer, { 'server.py': 'print(1)\n' });
    expect(() => resolveExecutable('api', './gone', dir, '')).toThrow(`cell api: run[0] "./gone" does not exist (looked for ${join(dir, 'gone')})`);
    chmodSync(join(dir, 'server.py'), 0o644);
    expect(() => resolveExecutable('api', './server.py', dir, '')).toThrow('is not executable (chmod +x');
    expect(() => resolveExecutable('api', 'no-such-tool-here', dir, '/nonexistent-a:/nonexistent-b')).toThrow(
      'cell api: run[0] "no-such-tool-here" was not found on PATH (looked in /nonexistent-a, /nonexistent-b)',
    );
  });
});
