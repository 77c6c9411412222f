import { describe, expect, it } from 'vitest';
import { formatKey, MAX_PROBLEMS_PER_FILE, ProblemReport } from './problem-report.ts';

const SOURCE = '[cell]\nname = "x"\n\n[auth]\nallowed_keys = ["nope"]\n';

describe('formatKey', () => {
  it('dots table keys and brackets array indexes', () => {
    expect(formatKey(['resources', 'memory', 'max'])).toBe('resources.memory.max');
    expect(formatKey(['auth', 'allowed_keys', 0])).toBe('auth.allowed_keys[0]');
    expect(formatKey([])).toBe('');
  });
});

describe('ProblemReport', () => {
  it('gives each problem its file, line and key, in file order', () => {
    const r = new ProblemReport('/x/cell.toml', SOURCE);
    r.add(['auth', 'allowed_keys', 0], 'bad key');
    r.add(['cell', 'name'], 'bad name');
    r.add(['cell'], 'file-wide');
    expect(r.problems()).toEqual([
      { file: '/x/cell.toml', line: 1, key: 'cell', message: 'file-wide' },
      { file: '/x/cell.toml', line: 2, key: 'cell.name', message: 'bad name' },
      { file: '/x/cell.toml', line: 5, key: 'auth.allowed_keys[0]', message: 'bad key' },
    ]);
  });

  it('knows which keys are clean: nothing wrong at, under or above them', () => {
    const r = new ProblemReport('cell.toml', SOURCE);
    r.add(['cell', 'name'], 'x');
    r.add(['network'], 'not a table');
    expect(r.isClean(['cell', 'name'])).toBe(false);
    expect(r.isClean(['cell'])).toBe(false);
    expect(r.isClean(['cell', 'entry'])).toBe(true);
    expect(r.isClean(['network', 'listen'])).toBe(false);
    expect(r.isClean(['auth'])).toBe(true);
  });

  it(`lists at most ${MAX_PROBLEMS_PER_FILE} problems, then counts the rest`, () => {
    const r = new ProblemReport('cell.toml', SOURCE);
    for (let i = 0; i < 250; i++) r.add(['cell', `k${i}`], 'unknown key');
    const listed = r.problems();
    expect(r.count).toBe(250);
    expect(listed).toHaveLength(MAX_PROBLEMS_PER_FILE + 1);
    expect(listed.at(-1)).toMatchObject({ key: '', line: undefined, message: '… and 50 more problems (only the first 200 are listed)' });
  });

  it('says the count is a lower bound when collection stopped early', () => {
    const r = new ProblemReport('cell.toml', SOURCE);
    for (let i = 0; i < 201; i++) r.add(['cell', `k${i}`], 'unknown key');
    r.markCountIncomplete();
    expect(r.problems().at(-1)?.message).toContain('and at least 1 more problem (only');
  });
});
