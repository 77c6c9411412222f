import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('examples/hello-pair', () => {
  it('two cells call each other with typed results and a typed declared error', () => {
    const out = execFileSync(process.execPath, ['--conditions=cell-source', fileURLToPath(new URL('./run.ts', import.meta.url))], { encoding: 'utf8', timeout: 30_000 });
    expect(out).toContain('pay alice 1200: paid 1200, 8800 left');
    expect(out).toContain('pay bob 1000: declined (insufficient funds, short by 750)');
    expect(out).toContain('pay carol 5: declined (no account carol)');
  });
});
