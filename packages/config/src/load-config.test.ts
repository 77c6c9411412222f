import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cellTomlPath, loadCellConfig, readCellConfig } from './load-config.ts';
import { byKey, problemsOf, tempFiles } from './test-fixtures/temp-files.ts';

const { files, cleanup } = tempFiles();
afterEach(cleanup);

const CELL = (extra = '') => `[cell]\nname = "shop"\nversion = "1.0.0"\nentry = "src/main.ts"\n${extra}`;
const KEY = '12D3KooWEx896Z4xNYLj5c2qioybsonuRfQu8EDaib7A3hMDNqJX';

describe('loadCellConfig', () => {
  it('normalises units and applies defaults', () => {
    const dir = files({
      'cell.toml': `${CELL()}
[resources]
cpu = { min = 0.25, max = 1 }
memory = { min = "64MB", max = "256MiB" }

[life_cycle]
idle_timeout = "10m"
restart = { max = 3, within = "30s", backoff = "50ms..2s" }
`,
      'src/main.ts': '',
    });
    const c = loadCellConfig(dir);
    expect(c.cell).toMatchObject({ name: 'shop', version: '1.0.0', entry: join(dir, 'src/main.ts'), replicas: 1 });
    expect(c.resources.memory).toEqual({ min: 64_000_000, max: 256 * 1024 * 1024 });
    expect(c.resources.cpu).toEqual({ min: 0.25, max: 1 });
    expect(c.lifeCycle).toMatchObject({ idleTimeoutMs: 600_000, restart: { max: 3, withinMs: 30_000, backoffMinMs: 50, backoffMaxMs: 2000 } });
    expect(Object.isFrozen(c.resources.memory)).toBe(true);
  });

  it('reads when a Node cell gives memory back: a duration, or false for never; refuses anything else, and on a process cell', () => {
    const trimOf = (value: string) => {
      const dir = files({ 'cell.toml': `${CELL()}\n[life_cycle]\nmemory_trim = ${value}\n`, 'src/main.ts': '' });
      return loadCellConfig(dir).lifeCycle.memoryTrimMs;
    };
    expect(trimOf('"2s"')).toBe(2000);
    expect(trimOf('false')).toBe(0);
    expect(loadCellConfig(files({ 'cell.toml': CELL(), 'src/main.ts': '' })).lifeCycle.memoryTrimMs).toBeUndefined();
    for (const [value, message] of [
      ['"50ms"', 'at least 100ms'],
      ['true', 'or false for never'],
      ['5', 'needs a unit'],
      ['"soon"', 'not a duration'],
    ] as const) {
      const { problems } = problemsOf(() => trimOf(value));
      expect(byKey(problems)['life_cycle.memory_trim']?.message, value).toContain(message);
    }
    const processCell = files({ 'cell.toml': `[cell]\nname = "db"\nversion = "1.0.0"\nrun = ["/bin/true"]\n[life_cycle]\nmemory_trim = "5s"\n` });
    const { problems } = problemsOf(() => loadCellConfig(processCell));
    expect(byKey(problems)['life_cycle.memory_trim']?.message).toContain('applies to a Node cell');
  });

  it('reports every problem at once, each with file, line and key', () => {
    const dir = files({
      'cell.toml': `[cell]
name = "Shop"
version = 1
entry = "src/missing.ts"
colour = "blue"

[resources]
memroy = "1GB"
cpu = { max = "lots" }

[life_cycle]
idle_timeout = "forever"
restart = { max = "five" }
`,
    });
    const { code, problems } = problemsOf(() => loadCellConfig(dir));
    expect(code).toBe('CELL_E_CONFIG_INVALID');
    const found = byKey(problems);
    expect(found['cell.name']?.line).toBe(2);
    expect(found['cell.version']?.line).toBe(3);
    expect(found['cell.entry']).toMatchObject({ line: 4, file: join(dir, 'cell.toml') });
    expect(found['cell.entry']?.message).toContain('does not exist');
    expect(found['cell.colour']?.message).toContain('unknown key');
    expect(found['resources.memroy']?.message).toContain('did you mean "memory"');
    expect(found['resources.memroy']?.line).toBe(8);
    expect(found['resources.cpu.max']?.line).toBe(9);
    expect(found['life_cycle.idle_timeout']?.message).toContain('not a duration');
    expect(found['life_cycle.restart.max']?.message).toContain('whole number');
    expect(problems).toHaveLength(8);
  });

  it('says what a size must look like for a bad unit', () => {
    const dir = files({ 'cell.toml': `${CELL()}\n[resources]\nmemory = "12 potatoes"\n`, 'src/main.ts': '' });
    const { problems } = problemsOf(() => loadCellConfig(dir));
    expect(problems).toEqual([
      expect.objectContaining({ key: 'resources.memory', line: 7, message: expect.stringContaining('"12 potatoes" is not a size') }),
    ]);
  });

  it('reports a TOML syntax error with its line', () => {
    const dir = files({ 'cell.toml': '[cell]\nname = "x"\nname = "y"\n' });
    const { problems } = problemsOf(() => loadCellConfig(dir));
    expect(problems[0]).toMatchObject({ line: 3, message: expect.stringContaining('invalid TOML') });
  });

  it('reports a missing cell.toml with its own code', () => {
    const dir = files({ 'README': '' });
    expect(problemsOf(() => loadCellConfig(dir)).code).toBe('CELL_E_CONFIG_NOT_FOUND');
  });

  it('rejects dependencies that do not exist and malformed node addresses', () => {
    const dir = files({
      'cell.toml': `${CELL()}\n[deps]\npayments = "../payments"\nsearch = "axon://10.0.0.7"\nmailer = "git+ftp://example.org/acme/mailer.git#v2.1.0"\n`,
      'src/main.ts': '',
    });
    const found = byKey(problemsOf(() => loadCellConfig(dir)).problems);
    expect(found['deps.payments']).toMatchObject({ line: 7, message: expect.stringContaining('does not exist') });
    expect(found['deps.search']?.message).toContain('expected a node address like "axon://10.0.0.7:7700"');
    expect(found['deps.mailer']?.message).toContain('must use https, ssh, file or git');
  });

  it('accepts dependencies on other nodes: by address (key pinned or not) and by name', () => {
    const dir = files({
      'cell.toml': `${CELL()}\n[deps]\nsearch = "axon://10.0.0.7:7700"\npinned = "axon://${KEY}@10.0.0.7:7700"\nmailer = { major = 2 }\n\n[network]\nlisten = "0.0.0.0:7800"\nbootstrap = ["/ip4/10.0.0.7/tcp/7701/p2p/${KEY}"]\ndiscovery = ["dht"]\n`,
      'src/main.ts': '',
    });
    const c = loadCellConfig(dir);
    expect(c.remoteDeps).toEqual({
      search: { name: 'search', axon: 'axon://10.0.0.7:7700', major: undefined, trust: [] },
      pinned: { name: 'pinned', axon: `axon://${KEY}@10.0.0.7:7700`, major: undefined, trust: [] },
      mailer: { name: 'mailer', axon: undefined, major: 2, trust: [] },
    });
    expect(c.network).toMatchObject({ listen: { host: '0.0.0.0', port: 7800 }, p2p: { host: '0.0.0.0', port: 7801 }, discovery: ['dht'] });
  });
});

// Each of these passed validation (or hung) before, and failed later at run time.
describe('loadCellConfig refuses what cannot run', () => {
  const invalid = (toml: string) => {
    const dir = files({ 'cell.toml': toml, 'src/main.ts': '' });
    return byKey(problemsOf(() => loadCellConfig(dir)).problems);
  };

  it('durations longer than a Node timer can wait (2^31-1 ms), naming the maximum', () => {
    const found = invalid(`${CELL()}\n[life_cycle]\ngrace = "25d"\nidle_timeout = "999999999999999999d"\n`);
    expect(found['life_cycle.grace']).toMatchObject({ line: 7, message: expect.stringContaining('at most 24d20h31m23s647ms') });
    expect(found['life_cycle.idle_timeout']).toMatchObject({ line: 8, message: expect.stringContaining('2^31-1 ms') });
  });

  it('a size without a unit, and a memory maximum too small to start a cell', () => {
    expect(invalid(`${CELL()}\n[resources]\nmemory = { max = 256 }\n`)['resources.memory.max']).toMatchObject({
      line: 7,
      message: expect.stringContaining('a size needs a unit, e.g. "256MB"'),
    });
    for (const tiny of ['"0B"', '"1B"', '"32MB"']) {
      expect(invalid(`${CELL()}\n[resources]\nmemory = ${tiny}\n`)['resources.memory']?.message).toContain('must be at least 32MiB');
    }
    expect(loadCellConfig(files({ 'cell.toml': `${CELL()}\n[resources]\nmemory = "32MiB"\n`, 'src/main.ts': '' })).resources.memory.max).toBe(32 * 1024 ** 2);
  });

  it('a backoff range with more than two bounds', () => {
    expect(invalid(`${CELL()}\n[life_cycle]\nrestart = { backoff = "1s..2s..3s" }\n`)['life_cycle.restart.backoff']).toMatchObject({
      line: 7,
      message: expect.stringContaining('expected a range of two durations'),
    });
  });

  it('allowed keys that are not node keys, in [auth] and [network]', () => {
    const found = invalid(`${CELL()}\n[auth]\nallowed_keys = ["*", "not-a-key"]\n\n[network]\nallowed_keys = ["${KEY}", "12D3KooW"]\n`);
    expect(found['auth.allowed_keys[1]']).toMatchObject({ line: 7, message: expect.stringContaining('"not-a-key" is not a node key') });
    expect(found['network.allowed_keys[1]']).toMatchObject({ line: 10, message: expect.stringContaining('Ed25519 peer id') });
    expect(Object.keys(found)).toHaveLength(2);
  });

  it('a p2p address equal to listen, and a bootstrap address that is not a multiaddr', () => {
    const found = invalid(`${CELL()}\n[network]\nlisten = "10.0.0.7:7700"\np2p = "10.0.0.7:7700"\nbootstrap = ["hello"]\n`);
    expect(found['network.p2p']).toMatchObject({ line: 8, message: expect.stringContaining('takes the same port as listen') });
    expect(found['network.bootstrap[0]']).toMatchObject({ line: 9, message: expect.stringContaining('"hello" is not a bootstrap address') });
  });
});

describe('reading cell.toml', () => {
  const onlyProblem = (dir: string) => {
    const { config, problems } = readCellConfig(dir);
    expect(config).toBeUndefined();
    expect(problems).toHaveLength(1);
    return problems[0]!;
  };

  it('refuses a directory named cell.toml', () => {
    const dir = files({ 'cell.toml/x': '' });
    expect(onlyProblem(dir).message).toBe('cell.toml is a directory; it must be a regular file');
  });

  it('refuses a FIFO without waiting for a writer', () => {
    const dir = files({});
    execFileSync('mkfifo', [join(dir, 'cell.toml')]);
    expect(onlyProblem(dir).message).toBe('cell.toml is a FIFO; it must be a regular file');
    expect(onlyProblem(join(dir, 'cell.toml')).message).toBe('cell.toml is a FIFO; it must be a regular file');
  });

  it('refuses a symlink to /dev/zero without reading it', () => {
    const dir = files({});
    symlinkSync('/dev/zero', join(dir, 'cell.toml'));
    expect(onlyProblem(dir).message).toBe('cell.toml is a character device; it must be a regular file');
  });

  it('follows a symlink to a regular file', () => {
    const dir = files({ 'real/cell.toml': '[cell]\nname = "x"\nversion = "1.0.0"\n', 'link/README': '' });
    symlinkSync(join(dir, 'real/cell.toml'), join(dir, 'link/cell.toml'));
    expect(loadCellConfig(join(dir, 'link')).cell.name).toBe('x');
  });

  it('refuses a file above 1 MiB', () => {
    const dir = files({ 'cell.toml': `[cell]\nname = "x"\nversion = "1.0.0"\n# ${'x'.repeat(1024 * 1024)}\n` });
    expect(onlyProblem(dir)).toMatchObject({ key: '', line: undefined, message: 'cell.toml is larger than 1 MiB (the most read)' });
  });

  it('names the file cell.toml and nothing else', () => {
    const dir = files({ 'Cell.TOML': '' });
    expect(onlyProblem(join(dir, 'Cell.TOML')).message).toContain('must be named cell.toml');
  });

  it('maps a directory or a file argument to the cell.toml', () => {
    const dir = files({ 'cell.toml': '' });
    mkdirSync(join(dir, 'empty'));
    writeFileSync(join(dir, 'other.toml'), '');
    expect(cellTomlPath(dir)).toBe(join(dir, 'cell.toml'));
    expect(cellTomlPath(join(dir, 'cell.toml'))).toBe(join(dir, 'cell.toml'));
    expect(cellTomlPath(join(dir, 'empty'))).toBe(join(dir, 'empty', 'cell.toml'));
    expect(cellTomlPath(join(dir, 'missing'))).toBe(join(dir, 'missing', 'cell.toml'));
    expect(cellTomlPath(join(dir, 'other.toml'))).toBe(join(dir, 'other.toml'));
  });
});

describe('a file with thousands of problems', () => {
  it('validates 5,000 unknown keys in well under a second, listing 200 and counting the rest', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `stray_${i} = ${i}`).join('\n');
    const dir = files({ 'cell.toml': `[cell]\nname = "x"\nversion = "1.0.0"\n${keys}\n` });
    const started = performance.now();
    const { problems } = problemsOf(() => loadCellConfig(dir));
    // Generous bound so it cannot flake on a slow machine; it takes tens of ms (quadratic took ~21 s).
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(problems).toHaveLength(201);
    expect(problems.slice(0, 200).every((p, i) => p.key === `cell.stray_${i}` && p.line === i + 4 && p.message.startsWith('unknown key'))).toBe(true);
    expect(problems[200]).toMatchObject({ key: '', message: '… and 4800 more problems (only the first 200 are listed)' });
  });
});
