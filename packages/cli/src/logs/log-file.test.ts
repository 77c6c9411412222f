import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogFile } from './log-file.ts';

describe('LogFile', () => {
  let dir: string;
  const path = () => join(dir, 'calc-0.log');
  /** Renames the log the way the runtime rotates it (`.1` to `.2`, the log to `.1`) and starts a new one. */
  const rotate = (fresh = '') => {
    try {
      renameSync(`${path()}.1`, `${path()}.2`);
    } catch {
      // no .1 yet
    }
    renameSync(path(), `${path()}.1`);
    writeFileSync(path(), fresh);
  };
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'cell-logfile-')));

  it('reads the whole file first, then what was appended, whole lines only', () => {
    fresh();
    writeFileSync(path(), 'one\ntwo\nthr');
    const f = new LogFile(path());
    expect(f.read()).toEqual(['one', 'two']);
    expect(f.read()).toEqual([]);
    appendFileSync(path(), 'ee\n\n  \nfour\n');
    expect(f.read()).toEqual(['three', 'four']);
  });

  it('reads nothing, and no error, while the file does not exist', () => {
    fresh();
    const f = new LogFile(path());
    expect(f.read()).toEqual([]);
    writeFileSync(path(), 'late\n');
    expect(f.read()).toEqual(['late']);
  });

  it('after a rotation, finishes the renamed file before the new one: no line twice, none lost', () => {
    fresh();
    writeFileSync(path(), 'a\n');
    const f = new LogFile(path());
    expect(f.read()).toEqual(['a']);
    appendFileSync(path(), 'b\n');
    rotate('c\n');
    expect(f.read()).toEqual(['b', 'c']);
    // Two rotations between reads: the file read so far is now .2.
    appendFileSync(path(), 'd\n');
    rotate('e\n');
    rotate('f\n');
    expect(f.read()).toEqual(['d', 'e', 'f']); // `e`: a whole file written and rotated between two reads
    expect(f.read()).toEqual([]);
  });

  it('keeps the unfinished last line of a rotated file as a line of its own', () => {
    fresh();
    writeFileSync(path(), 'a\npart');
    const f = new LogFile(path());
    expect(f.read()).toEqual(['a']);
    rotate('next\n');
    expect(f.read()).toEqual(['part', 'next']);
  });

  it('starts over when the file is truncated in place', () => {
    fresh();
    writeFileSync(path(), 'long line one\nlong line two\n');
    const f = new LogFile(path());
    f.read();
    writeFileSync(path(), 'new\n');
    expect(f.read()).toEqual(['new']);
  });

  it('skips to the end (follow from now), and gives the rotated files oldest first (history)', () => {
    fresh();
    writeFileSync(path(), 'old\n');
    rotate('older than now\n');
    rotate('now\n');
    const f = new LogFile(path());
    expect(f.rotatedLines()).toEqual(['old', 'older than now']);
    f.skipToEnd();
    expect(f.read()).toEqual([]);
    appendFileSync(path(), 'later\n');
    expect(f.read()).toEqual(['later']);
  });
});
