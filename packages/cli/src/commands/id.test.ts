import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCell } from '../test-support/fixtures.ts';
import { idCommand } from './id.ts';

describe('cell id', () => {
  const base = mkdtempSync(join(tmpdir(), 'cell-id-'));
  const home = join(base, 'home');
  const saved = process.env['CELL_HOME'];
  beforeEach(() => {
    process.env['CELL_HOME'] = home;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['CELL_HOME'];
    else process.env['CELL_HOME'] = saved;
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("creates this node's key in CELL_HOME on first use, kept with mode 0600, and gives the same address after", async () => {
    const first = await idCommand();
    expect(first).toEqual({ node: expect.stringMatching(/^12D3KooW/), file: join(home, 'identity.json'), home });
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect((JSON.parse(readFileSync(first.file, 'utf8')) as { peerId: string }).peerId).toBe(first.node);
    expect(await idCommand()).toEqual(first);
  });

  it('prints the address alone, or the JSON form with --json, from the same key', async () => {
    const { node } = await idCommand();
    const json = runCell(['id', '--json'], { env: { CELL_HOME: home } });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ node, file: join(home, 'identity.json'), home });
    const plain = runCell(['id'], { env: { CELL_HOME: home } });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(`${node}\n`);
  });

  it('reports a corrupt key file as bad usage (exit 2, CELL_E_INVALID_ARGUMENT) and leaves it alone', () => {
    const broken = join(base, 'broken');
    mkdirSync(broken, { recursive: true });
    const file = join(broken, 'identity.json');
    writeFileSync(file, '{"version":1,"privateKey":"AAAA"}');
    const r = runCell(['id', '--json'], { env: { CELL_HOME: broken } });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT' });
    expect(readFileSync(file, 'utf8')).toBe('{"version":1,"privateKey":"AAAA"}');
  });
});
