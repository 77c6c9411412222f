import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RotatingFile } from './rotating-file.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cell-rotate-'));
  dirs.push(d);
  return d;
}

/** Resolves once `done()` holds, polling every millisecond; fails after 10 s naming `what`. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('RotatingFile', () => {
  it('starts with a rotation when the file it opens is already full', async () => {
    const path = join(dir(), 'x.log');
    writeFileSync(path, 'old\n'.repeat(5000)); // 20 kB > a third of 30 kB
    const f = new RotatingFile(path, 30_000);
    f.write('new\n');
    await f.close();
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(statSync(`${path}.1`).size).toBe(20_000);
  });

  it('keeps two rotated files, dropping the oldest', async () => {
    const path = join(dir(), 'x.log');
    const f = new RotatingFile(path, 3 * 1024);
    // Each batch (168 bytes, within the stream's 256-byte buffer) reaches the file before the next is
    // written: no burst, so nothing is dropped however slow the disk is today.
    let reached = 0;
    f.stream.on('write', (bytes: number) => (reached += bytes));
    let sent = 0;
    for (let i = 0; i < 400; i++) {
      const line = `${String(i).padStart(20, '0')}\n`;
      f.write(line);
      sent += line.length;
      if (i % 8 === 7) await until(() => reached === sent, `${sent} bytes to reach the file`);
    }
    await f.close();
    expect(f.dropped).toBe(0);
    expect(existsSync(`${path}.1`) && existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    expect(readFileSync(path, 'utf8').trim().split('\n').at(-1)).toBe(String(399).padStart(20, '0'));
  });

  it('reports a file it cannot open, and never throws on a write', async () => {
    const d = dir();
    writeFileSync(join(d, 'not-a-dir'), '');
    const f = new RotatingFile(join(d, 'not-a-dir', 'x.log'), 30_000);
    f.write('lost\n');
    for (let i = 0; i < 100 && !f.error; i++) await new Promise((r) => setTimeout(r, 10));
    expect(f.error).toMatch(/ENOTDIR|EEXIST/);
    expect(() => f.write('lost too\n')).not.toThrow();
    await f.close();
  });
});
