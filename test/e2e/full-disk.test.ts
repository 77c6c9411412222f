import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cell, killTree, tempTree } from './helpers.ts';
import { workCellFiles } from './work-cell.ts';

/** Why a small filesystem cannot be mounted here (it needs root), if it cannot. */
function tmpfsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const probe = mkdtempSync(join(tmpdir(), 'cell-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs: ${(err as Error).message}`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const unavailable = tmpfsUnavailable();

describe.skipIf(unavailable !== undefined)('a full disk (a real 12 MiB filesystem, filled up)', () => {
  let disk: string;
  beforeAll(() => {
    disk = mkdtempSync(join(tmpdir(), 'cell-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', disk]);
  });
  afterAll(() => {
    killTree(disk);
    spawnSync('umount', ['-l', disk]);
    rmSync(disk, { recursive: true, force: true });
  });

  /** Fills the filesystem to the last block. */
  function fill(): void {
    spawnSync('dd', ['if=/dev/zero', `of=${join(disk, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
    spawnSync('dd', ['if=/dev/zero', `of=${join(disk, 'filler2')}`, 'bs=4k'], { stdio: 'ignore' });
  }

  it('mitosis exits with a clear error and leaves no empty pid file; nothing keeps running', () => {
    const source = tempTree({ 'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n', ...workCellFiles('cells/work') });
    const root = join(disk, 'tree');
    try {
      mkdirSync(root);
      cpSync(source.root, root, { recursive: true });
      fill();
      const r = cell(['mitosis', root, '--detach'], { timeoutMs: 60_000 });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/ENOSPC|no space left/i);
      const run = join(root, 'run');
      const leftovers = existsSync(run) ? readdirSync(run) : [];
      expect(leftovers.filter((f) => f.startsWith('nucleus.pid'))).toEqual([]);
      expect(spawnSync('pgrep', ['-f', root]).stdout.toString().trim()).toBe('');
    } finally {
      rmSync(join(disk, 'filler'), { force: true });
      rmSync(join(disk, 'filler2'), { force: true });
      killTree(root);
      source.remove();
    }
  });

  it('a running tree whose disk fills keeps answering and stops on request; status reports the log it cannot write', () => {
    const source = tempTree({ 'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n', ...workCellFiles('cells/work', { toml: '[life_cycle]\nrestart = { max = 50, within = "60s", backoff = "10ms..20ms" }' }) });
    const root = join(disk, 'tree2');
    try {
      mkdirSync(root);
      cpSync(source.root, root, { recursive: true });
      expect(cell(['mitosis', root, '--detach']).code).toBe(0);
      fill();
      writeFileSync(join(disk, 'marker'), ''); // an inode, no blocks: the disk is full of data
      for (let i = 0; i < 20; i++) expect(cell(['call', join(root, 'cells/work'), 'echo', '{"n":1}']).code).toBe(0);
      // Crashes make the nucleus write about the replica (a few lines each): once the last block of
      // its log is full, those lines are lost, and status says so.
      type Replica = { pid: number | null; state: string; logError: string | null };
      const replica = (): Replica => {
        const s = cell(['status', root, '--json']);
        expect(s.code, s.stderr).toBe(0); // the nucleus keeps answering
        return (JSON.parse(s.stdout) as { cells: Array<{ name: string; replicas: Replica[] }> }).cells.find((c) => c.name === 'work')!.replicas[0]!;
      };
      let logError: string | null = null;
      for (let kill = 0; kill < 30 && !logError; kill++) {
        const deadline = Date.now() + 20_000;
        let r = replica();
        while (r.state !== 'ready' && Date.now() < deadline) r = replica();
        process.kill(r.pid!, 'SIGKILL');
        logError = replica().logError;
      }
      expect(logError).toMatch(/ENOSPC|dropped/);
      const stop = cell(['stop', root], { timeoutMs: 60_000 });
      expect(stop.code, stop.stderr).toBe(0);
      expect(spawnSync('pgrep', ['-f', root]).stdout.toString().trim()).toBe('');
    } finally {
      rmSync(join(disk, 'filler'), { force: true });
      rmSync(join(disk, 'filler2'), { force: true });
      killTree(root);
      source.remove();
    }
  });
});
