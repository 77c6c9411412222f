import { afterEach, describe, expect, it } from 'vitest';
import { launchSettings } from './launch.ts';

// Each test file runs in its own process, so this file is the first to read the environment here.

const saved: Record<string, string | undefined> = {};
function setEnv(vars: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (!(k in saved)) saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    delete saved[k];
  }
});

describe('launchSettings', () => {
  it('refuses a bad launch environment naming the variable, then parses it once and keeps it', () => {
    setEnv({ CELL_NAME: 'stock', CELL_REPLICA: 'stock-2', CELL_GRACE_MS: 'soon', CELL_IDLE_TIMEOUT_MS: '250', CELL_DEPS: JSON.stringify({ pay: { name: 'payments', dir: '/cells/payments' } }) });
    expect(() => launchSettings()).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT', details: { problems: [expect.stringContaining('CELL_GRACE_MS')] } }));
    setEnv({ CELL_GRACE_MS: '1500' }); // a failed read is not kept: the next one reads again
    const settings = launchSettings();
    expect(settings).toMatchObject({ name: 'stock', replica: 'stock-2', graceMs: 1500, idleTimeoutMs: 250, deps: { pay: { name: 'payments', dir: '/cells/payments' } } });
    setEnv({ CELL_NAME: 'other', CELL_GRACE_MS: 'changed later' });
    expect(launchSettings()).toBe(settings); // read once: later changes to the environment are not seen
  });
});
