import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cliEnv, REPO, ROOT_TOML, runCell, tempTree, type TempTree } from './test-support/fixtures.ts';

const { version } = JSON.parse(readFileSync(join(REPO, 'packages/cli/package.json'), 'utf8')) as { version: string };

describe('bin (the cell executable, run by this Node)', () => {
  it('--version prints the package version, exit 0', () => {
    const r = runCell(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  });

  it('--help prints the usage with every command, exit 0', () => {
    const r = runCell(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: cell /);
    for (const c of ['init', 'build', 'id', 'types', 'check', 'mitosis', 'status', 'stop', 'logs', 'call', 'reload']) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  describe('when the reader closes the pipe early (`cell logs | head`)', () => {
    let tree: TempTree;
    beforeAll(() => {
      tree = tempTree({ 'cell.toml': ROOT_TOML });
      mkdirSync(join(tree.root, 'log'));
      // Megabytes of lines: far more than a pipe holds, so the writer is still writing when the reader goes.
      const lines = Array.from({ length: 40_000 }, (_, i) => JSON.stringify({ time: 1_700_000_000_000 + i, level: 'info', msg: `line ${i} ${'x'.repeat(60)}` }));
      writeFileSync(join(tree.root, 'log', 'nucleus.log'), `${lines.join('\n')}\n`);
    });
    afterAll(async () => {
      await tree?.remove();
    });

    it('exits 0 without an error', async () => {
      const child = spawn(process.execPath, [CLI, 'logs', tree.root, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv() });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.once('data', () => child.stdout.destroy());
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
      clearTimeout(timer);
      expect(signal, 'killed after 60 s: the writer never noticed the closed pipe').toBeNull();
      expect(stderr).toBe('');
      expect(code).toBe(0);
    });
  });
});
