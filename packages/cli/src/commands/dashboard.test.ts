import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calcCellFiles, ROOT_TOML, runCell, tempTree, type TempTree } from '../test-support/fixtures.ts';

describe('cell dashboard', () => {
  let on: TempTree;
  let off: TempTree;
  beforeAll(() => {
    on = tempTree({ 'cell.toml': ROOT_TOML, ...calcCellFiles('cells/calc') });
    off = tempTree({ 'cell.toml': `${ROOT_TOML}\n[observe]\ndashboard = "off"\n`, ...calcCellFiles('cells/calc') });
    for (const t of [on, off]) {
      // CELL_DASHBOARD (a free port, for every test tree) would win over the root's "off".
      const up = runCell(['mitosis', t.root, '--detach'], t === off ? { env: { CELL_DASHBOARD: '' } } : {});
      if (up.code !== 0) throw new Error(`a test tree did not start (${up.code}): ${up.stderr}`);
    }
  });
  afterAll(async () => {
    await on?.remove();
    await off?.remove();
  });

  it('prints the URL of the running tree’s dashboard, which serves its page', async () => {
    const r = runCell(['dashboard', `${on.root}/cells/calc`]);
    expect(r.code, r.stderr).toBe(0);
    const url = r.stdout.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Cell dashboard</title>');
  });

  it('says why there is none when the tree turned it off (exit 2), and when nothing runs (exit 3)', async () => {
    const r = runCell(['dashboard', off.root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/serves no dashboard: its root cell\.toml says \[observe\] dashboard = "off"/);
    const idle = tempTree({ 'cell.toml': ROOT_TOML });
    try {
      expect(runCell(['dashboard', idle.root]).code).toBe(3);
    } finally {
      await idle.remove();
    }
  });
});
